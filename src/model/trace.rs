//! One replication's event log, for debugging a model: `chipsim trace` writes it as CSV.

use chrono::NaiveDate;

/// One logged event.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRow {
    /// Days since the start.
    pub day: f64,
    /// Calendar date.
    pub date: NaiveDate,
    /// What happened (snake_case).
    pub event: &'static str,
    /// The agent it happened to.
    pub agent: String,
    /// Units involved (wafers, dies, accelerators, MW, days: see `event`).
    pub quantity: f64,
    /// Free text.
    pub detail: String,
}
