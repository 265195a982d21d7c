//! Results told to a person: the headline metrics of a run and the biggest changes of
//! a comparison, in the words of the [glossary](crate::glossary) and with readable
//! numbers ([`readable`]), for the terminal tables of `run` and `compare`; and
//! `report.html` ([`write_report`]), one self-contained page of everything an output
//! folder holds.
//!
//! Like every exporter, this reads finished output files, never model internals.

mod changes;
mod headline;
mod html;
mod numbers;
mod periods;
mod source;

pub use changes::{biggest_changes, Change};
pub use headline::{headline_metrics, summary_metrics, MetricRow};
pub use html::{write_report, ReportError, ReportOutcome};
pub use numbers::{interval, readable, signed};
pub use periods::period_label;
pub use source::{find_scenario, find_scenario_text, ScenarioText, SourceError};
