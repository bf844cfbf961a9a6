//! The verdict on one case, ready to print: secret values already redacted.

/// What happened to one test case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseOutcome {
    /// The tenant file, as shown in output.
    pub file: String,
    /// The case's name.
    pub name: String,
    /// Why it failed, one entry per difference (`field: detail`); empty when it passed.
    pub failures: Vec<String>,
    /// What the actions logged, `[action] message`, for failed cases.
    pub logs: Vec<String>,
    /// Wall time of the case in the harness, in milliseconds.
    pub time_ms: f64,
}

impl CaseOutcome {
    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// `N passed, N failed`.
pub fn summary(outcomes: &[CaseOutcome]) -> String {
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    format!("{passed} passed, {} failed", outcomes.len() - passed)
}
