//! `manifest.json`: what was run (version, scenario hash, seed, which replications),
//! how it ended (status and the rule that stopped it) and, in `execution`, how and when
//! this folder was produced (threads, timings). Everything outside `execution` is
//! deterministic: one unsharded run and the merge of its shards write the same values.

use std::path::Path;

use serde::Serialize;

use super::contract::MANIFEST_FILE;
use super::OutputError;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every planned replication ran.
    Complete,
    /// Stopped by Ctrl-C, SIGTERM or the cancel flag; the outputs hold a contiguous
    /// prefix of the planned replications.
    Interrupted,
}

impl Status {
    /// The manifest's text for it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Interrupted => "interrupted",
        }
    }
}

/// The rule that stopped adding replications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopRule {
    /// The fixed `--reps` count (or this shard's part of it) ran.
    FixedCount,
    /// Every headline metric reached the `--precision` target.
    PrecisionReached,
    /// `--max-reps` replications ran before the precision target was met.
    MaxReps,
    /// Interrupted before any other rule applied.
    Interrupted,
}

impl StopRule {
    /// The manifest's text for it.
    pub fn label(self) -> &'static str {
        match self {
            StopRule::FixedCount => "fixed_count",
            StopRule::PrecisionReached => "precision_reached",
            StopRule::MaxReps => "max_reps",
            StopRule::Interrupted => "interrupted",
        }
    }
}

/// Which replications the outputs hold: indices `first_index + k * stride` for
/// `k = 0 .. completed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReplicationSet {
    /// How many replications the outputs hold.
    pub completed: u64,
    /// The first replication index.
    pub first_index: u64,
    /// The step between indices (the shard count, 1 when unsharded).
    pub stride: u64,
}

/// `--shard I/N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ShardSpec {
    /// I, from 0.
    pub index: u64,
    /// N, at least 1.
    pub count: u64,
}

/// `--precision P --max-reps M`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PrecisionSpec {
    /// P: target 95 % CI half-width relative to |mean| of every headline metric.
    pub relative_half_width: f64,
    /// M: the most replications to run.
    pub max_replications: u64,
    /// Replications added between two checks of the target.
    pub batch: u64,
}

/// How and when the folder was produced: the only part that differs between runs of the
/// same replications.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Execution {
    /// Worker threads (1 for a merge).
    pub threads: usize,
    /// Start, UTC, RFC 3339.
    pub started_utc: String,
    /// End, UTC, RFC 3339.
    pub finished_utc: String,
    /// Elapsed seconds.
    pub wall_seconds: f64,
    /// Completed replications per elapsed second.
    pub replications_per_second: f64,
    /// The shard folders a merge read (empty for a run).
    pub merged_from: Vec<String>,
}

/// The content of `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// chipsim's version.
    pub chipsim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// SHA-256 of the scenario text, hex.
    pub config_hash: String,
    /// Base seed.
    pub seed: u64,
    /// Replications of the whole batch (`--reps`, or `--max-reps` with `--precision`).
    pub replications_requested: u64,
    /// Replications the outputs hold.
    pub replications: ReplicationSet,
    /// The shard, when run with `--shard`.
    pub shard: Option<ShardSpec>,
    /// The precision target, when run with `--precision`.
    pub precision: Option<PrecisionSpec>,
    /// How the run ended.
    pub status: Status,
    /// The rule that stopped it.
    pub stop_rule: StopRule,
    /// What an interrupted run's outputs hold, in words; `null` otherwise.
    pub note: Option<String>,
    /// Events handled by all replications held.
    pub events_total: u64,
    /// Threads and timings.
    pub execution: Execution,
}

impl Manifest {
    /// Writes `manifest.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), OutputError> {
        write_manifest(dir, self)
    }
}

/// Writes any manifest (a run's, a sweep's, the charts') into `dir` as `manifest.json`,
/// pretty-printed and newline-terminated.
pub(crate) fn write_manifest(dir: &Path, manifest: &impl Serialize) -> Result<(), OutputError> {
    let path = dir.join(MANIFEST_FILE);
    let mut text = serde_json::to_string_pretty(manifest)
        .map_err(|error| OutputError::format(&path, error.to_string()))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|error| OutputError::io("cannot write", &path, error))
}

/// RFC 3339 UTC text of a system time, to the millisecond.
pub(crate) fn utc_text(time: std::time::SystemTime) -> String {
    let since_epoch = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
    chrono::DateTime::from_timestamp(seconds, since_epoch.subsec_nanos())
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_match_the_serialised_names() {
        for status in [Status::Complete, Status::Interrupted] {
            assert_eq!(
                serde_json::to_value(status).ok(),
                Some(status.label().into())
            );
        }
        for rule in [
            StopRule::FixedCount,
            StopRule::PrecisionReached,
            StopRule::MaxReps,
            StopRule::Interrupted,
        ] {
            assert_eq!(serde_json::to_value(rule).ok(), Some(rule.label().into()));
        }
    }

    #[test]
    fn utc_text_is_rfc3339() {
        let time = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
        assert_eq!(utc_text(time), "2023-11-14T22:13:20.123Z");
    }
}
