//! Output files of a run: the CSV tables, `manifest.json`, the raw data of a shard, the
//! workbook, and the temporary folder they are written into before it replaces the
//! previous outputs.
//!
//! [`contract`] names every file and column once; writers and readers import them from
//! there. Exporters ([`Export`]) take finished statistics ([`RunStatistics`]) and the
//! scenario's [`OutputLayout`](crate::replication::OutputLayout), never model
//! internals, and write to any writer. Every file is deterministic except the
//! `execution` object of the manifest (threads and timings): the same replications give
//! the same bytes whatever the thread count or sharding. Cells follow the conventions in
//! [`cells`]; metric columns of `replications.csv` are headed by the metric's name
//! exactly as in the layout (neutralised), and units are in `summary.csv`. What an
//! output may replace is decided in one place ([`check_output_folder`], [`Staging`],
//! [`write_file_atomically`]): only chipsim's own files of the same kind of output.

pub mod cells;
mod compare;
pub mod contract;
mod csv_table;
mod export;
mod manifest;
mod ownership;
mod shard_data;
mod staging;
mod tables;
mod xlsx;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub(crate) use cells::{as_written, number, text};
pub use cells::{neutralise, parse_seed, seed_text, SeedError, SIGNIFICANT_DIGITS};
pub use compare::{
    world_series, write_comparison, write_comparison_file, ComparisonRow, ComparisonTable,
    SeriesComparisonRow, SeriesComparisonTable,
};
pub use contract::{
    FolderKind, COMPARE_FILE, COMPARE_TIMESERIES_FILE, MANIFEST_FILE, PLOTS_DIR, PROJECTS_FILE,
    REPLICATIONS_FILE, REPORT_FILE, SENSITIVITY_FILE, SHARD_DATA_FILE, SUMMARY_FILE,
    SWEEP_POINTS_FILE, SWEEP_REPLICATIONS_FILE, TIMESERIES_FILE, WORKBOOK_FILE,
};
pub use csv_table::CsvTable;
pub(crate) use export::CsvFile;
pub use export::{render, write_export, CsvWriter, Export};
pub(crate) use manifest::{utc_text, write_manifest};
pub use manifest::{
    Execution, Manifest, PrecisionSpec, ReplicationSet, ShardSpec, Status, StopRule,
};
pub use ownership::check_output_folder;
pub use shard_data::{ShardDataReader, ShardDataWriter, ShardHeader};
pub use staging::{abandon_outputs, write_file_atomically, Staging};
pub(crate) use tables::statistic_cell;
pub use tables::{
    read_replications, write_tables, ProjectStatistics, ProjectsTable, ReplicationsTable,
    ReplicationsWriter, RunStatistics, SummaryTable, TimeseriesTable,
};
pub use xlsx::{write_workbook, Workbook};

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
    /// A CSV file could not be read.
    #[error("{}: {cause}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The CSV error (with its line).
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
    /// An output folder is a file.
    #[error("refusing to replace {}: it is a file, not an output folder; choose another --out", path.display())]
    NotAFolder {
        /// The path.
        path: PathBuf,
    },
    /// An output folder holds files and no chipsim manifest, so it is not replaced.
    #[error(
        "refusing to replace {}: it holds {}, which chipsim did not write (the folder has no \
         chipsim {MANIFEST_FILE}); choose another --out, or empty the folder",
        folder.display(),
        file.display()
    )]
    Foreign {
        /// The folder.
        folder: PathBuf,
        /// Its first file (by name).
        file: PathBuf,
    },
    /// An output folder holds chipsim outputs of another kind.
    #[error(
        "refusing to write the outputs of a {wanted} into {}: it holds the outputs of a {found} \
         (see its {MANIFEST_FILE}); choose another --out",
        folder.display()
    )]
    OtherKind {
        /// The folder.
        folder: PathBuf,
        /// The kind it holds.
        found: String,
        /// The kind being written.
        wanted: &'static str,
    },
    /// An output folder holds chipsim outputs of a kind this version does not write.
    #[error(
        "refusing to replace {}: it holds chipsim outputs of kind `{found}`, which this version \
         does not write (see its {MANIFEST_FILE}); choose another --out",
        folder.display()
    )]
    UnknownKind {
        /// The folder.
        folder: PathBuf,
        /// The kind its manifest names.
        found: String,
    },
    /// An output folder holds an input of the same call.
    #[error(
        "refusing to write into {}: it holds {}, an input of this command, which replacing the \
         folder could destroy; choose another --out",
        folder.display(),
        input.display()
    )]
    HoldsInput {
        /// The folder.
        folder: PathBuf,
        /// The input.
        input: PathBuf,
    },
    /// A single output file would overwrite one of a chipsim folder's own files.
    #[error(
        "refusing to overwrite {}: it is a file of the chipsim {owner} outputs in that folder, \
         which must stay as they were written; choose another file",
        path.display()
    )]
    OwnFile {
        /// The file.
        path: PathBuf,
        /// The kind of the folder that owns it.
        owner: String,
    },
    /// A single output file would overwrite a file that is not the same kind of output.
    #[error(
        "refusing to overwrite {}: it is not a {what} written by chipsim; choose another file",
        path.display()
    )]
    NotOurs {
        /// The file.
        path: PathBuf,
        /// What chipsim would write there, e.g. `compare.csv`.
        what: &'static str,
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
    fn config_hash_is_sha256_hex() {
        // sha256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            config_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
