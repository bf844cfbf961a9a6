//! The `loginflow` binary: parse the command line, set up logging, run, map the outcome to an exit
//! code. Everything else lives in the library so that tests drive the same code.

use std::process::ExitCode;

fn main() -> ExitCode {
    loginflow::cli::main()
}
