//! Why an action could not be rendered.

/// A failure to render one action. None of these carry secret values.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The template failed (syntax error in an override, or a variable it needs is missing).
    #[error("template `{template}` failed: {source:#}")]
    Template {
        template: String,
        #[source]
        source: minijinja::Error,
    },
    /// A template override could not be read.
    #[error("could not read template override `{}`: {why}", path.display())]
    Override {
        path: std::path::PathBuf,
        /// Why, never what the file holds.
        why: String,
    },
    /// The action holds a value the generated code cannot carry safely (the validator should
    /// have refused it first; this is the renderer's own line of defence).
    #[error("action `{action}`: {message}")]
    Invalid { action: String, message: String },
    /// A `custom` action was rendered without its file's content.
    #[error("action `{action}` is `custom` but its code was not provided to the renderer")]
    MissingCustomCode { action: String },
}
