//! Output files of a run: the CSV tables, `manifest.json`, the raw data of a shard, and
//! the temporary folder they are written into before it replaces the previous outputs.
//!
//! Exporters take finished statistics ([`RunStatistics`]) and the scenario's
//! [`OutputLayout`](crate::replication::OutputLayout), never model internals. Every file
//! is deterministic except the `execution` object of the manifest (threads and timings):
//! the same replications give the same bytes whatever the thread count or sharding.
//!
//! Cell conventions, the same in every CSV:
//!
//! - numbers use `.` decimals, no thousands separator, and Rust's shortest
//!   representation that reads back to the same `f64` (e.g. `0.30000000000000004`);
//! - an undefined number (NaN: a metric a replication could not define, a standard
//!   deviation of one value) is an empty cell;
//! - dates are ISO `YYYY-MM-DD`;
//! - every text cell goes through [`neutralise`], so no spreadsheet runs it as a formula;
//! - metric columns of `replications.csv` are headed by the metric's name exactly as in
//!   the layout (neutralised); units are in `summary.csv`.

mod manifest;
mod shard_data;
mod staging;
mod tables;
mod xlsx;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub(crate) use manifest::utc_text;
pub use manifest::{
    Execution, Manifest, PrecisionSpec, ReplicationSet, ShardSpec, Status, StopRule,
};
pub use shard_data::{ShardDataReader, ShardDataWriter, ShardHeader, SHARD_DATA_FILE};
pub use staging::{abandon_outputs, write_file_atomically, Staging};
pub use tables::{
    read_replications, write_comparison, write_tables, ComparisonRow, ProjectStatistics,
    ReplicationsTable, ReplicationsWriter, RunStatistics, PROJECTS_FILE, REPLICATIONS_FILE,
    SUMMARY_FILE, TIMESERIES_FILE,
};
pub use xlsx::{write_workbook, WORKBOOK_FILE};

/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Something went wrong reading or writing an output file.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A file system operation failed.
    #[error("{action} {}: {cause}", path.display())]
    Io {
        /// What was being done, e.g. `cannot create`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        cause: std::io::Error,
    },
    /// A CSV file could not be written or read.
    #[error("{}: {cause}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The CSV error (with its line when reading).
        cause: csv::Error,
    },
    /// A file's content is not what chipsim writes.
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
    /// The output folder exists but is not chipsim's, so it is not replaced.
    #[error(
        "refusing to replace {}: it exists and does not hold chipsim outputs (no {MANIFEST_FILE}); \
         choose another --out",
        path.display()
    )]
    NotOutputFolder {
        /// The folder.
        path: PathBuf,
    },
}

impl OutputError {
    pub(crate) fn io(action: &'static str, path: &Path, cause: std::io::Error) -> Self {
        OutputError::Io {
            action,
            path: path.to_path_buf(),
            cause,
        }
    }

    pub(crate) fn csv(path: &Path, cause: csv::Error) -> Self {
        OutputError::Csv {
            path: path.to_path_buf(),
            cause,
        }
    }

    pub(crate) fn format(path: &Path, message: impl Into<String>) -> Self {
        OutputError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Makes a text cell safe to open in a spreadsheet: a cell beginning with `=`, `+`, `-`,
/// `@`, a tab or a carriage return would be read as a formula (or start one), so it gets
/// a leading `'`, which spreadsheets show as text. Every text cell of every CSV goes
/// through here; it is idempotent.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{text}")),
        _ => Cow::Borrowed(text),
    }
}

/// A number cell: empty when undefined (NaN), else the shortest text that reads back to
/// the same value.
pub(crate) fn number(value: f64) -> String {
    if value.is_nan() {
        String::new()
    } else {
        format!("{value}")
    }
}

/// SHA-256 of the scenario text, in lowercase hex: the manifest's `config_hash`, which
/// `merge` uses to check that shards ran the same scenario.
pub fn config_hash(config_text: &str) -> String {
    Sha256::digest(config_text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised() {
        for (raw, safe) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
        ] {
            assert_eq!(neutralise(raw), safe);
            assert_eq!(neutralise(safe), safe, "idempotent");
        }
        for plain in ["baseline", "", "a=b", "1", "'quoted", "über"] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn numbers_round_trip_and_nan_is_empty() {
        assert_eq!(number(f64::NAN), "");
        assert_eq!(number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number(1e21), "1000000000000000000000");
        assert_eq!(number(-2.5), "-2.5");
        for value in [0.1 + 0.2, 1e-300, 123_456.789, -7.0, f64::MAX] {
            assert_eq!(number(value).parse::<f64>().ok(), Some(value));
        }
    }

    #[test]
    fn config_hash_is_sha256_hex() {
        // sha256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            config_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
