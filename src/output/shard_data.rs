//! `shard_data.bin`: the raw results of a run or a shard (a whole run is shard 0 of 1),
//! so that `chipsim merge` can rebuild every statistic exactly (quantiles need every
//! value) and `chipsim compare` can pair time series replication by replication.
//!
//! Format, version 2 (all integers and floats little-endian; floats are the exact IEEE
//! 754 bits, NaN included):
//!
//! ```text
//! magic     8 bytes  "CHIPSHRD"
//! version   u32      2 (1 had no series scopes)
//! length    u64      byte length of the header
//! header    JSON     ShardHeader: chipsim version, config hash, base seed, replications
//!                    of the whole batch, shard index and count, and the output layout
//!                    (scenario, metrics, series with their scopes, periods as ISO dates,
//!                    project groups)
//! records   until the end of the file, one per replication in index order:
//!   replication u64, seed u64, events u64,
//!   metrics     f64 × layout.metrics,
//!   series      f64 × periods × layout.series (period-major),
//!   per project group: outcomes u32, then per outcome delay_days f64, cause u8
//!                      (the cause's position in DelayCause::ALL)
//! ```

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::replication::{
    DelayCause, MetricDef, OutputLayout, Period, ProjectGroup, ProjectOutcome, ReplicationResult,
    SeriesDef,
};

use super::contract::SHARD_DATA_FILE;
use super::OutputError;

const MAGIC: &[u8; 8] = b"CHIPSHRD";
const VERSION: u32 = 2;
/// A header longer than this is a corrupt file, not a layout.
const MAX_HEADER_BYTES: u64 = 64 << 20;

/// What a shard ran: merge checks that all shards agree on everything but the shard.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardHeader {
    /// chipsim's version that wrote the file.
    pub chipsim_version: String,
    /// SHA-256 of the scenario text.
    pub config_hash: String,
    /// Base seed.
    pub seed: u64,
    /// Replications of the whole batch.
    pub replications: u64,
    /// This shard's index I.
    pub shard_index: u64,
    /// The shard count N.
    pub shard_count: u64,
    /// The layout of every record.
    pub layout: OutputLayout,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderJson {
    chipsim_version: String,
    config_hash: String,
    seed: u64,
    replications: u64,
    shard_index: u64,
    shard_count: u64,
    scenario: String,
    metrics: Vec<MetricJson>,
    series: Vec<SeriesJson>,
    periods: Vec<[String; 2]>,
    projects: Vec<ProjectJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetricJson {
    name: String,
    unit: String,
    headline: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesJson {
    scope: String,
    name: String,
    unit: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectJson {
    name: String,
    region: String,
    planned_go_live: String,
}

fn metric_json(metric: &MetricDef) -> MetricJson {
    MetricJson {
        name: metric.name.clone(),
        unit: metric.unit.clone(),
        headline: metric.headline,
    }
}

fn series_json(series: &SeriesDef) -> SeriesJson {
    SeriesJson {
        scope: series.scope.clone(),
        name: series.metric.name.clone(),
        unit: series.metric.unit.clone(),
    }
}

fn series_def(series: SeriesJson) -> SeriesDef {
    SeriesDef {
        scope: series.scope,
        metric: MetricDef {
            name: series.name,
            unit: series.unit,
            headline: false,
        },
    }
}

fn metric_def(metric: MetricJson) -> MetricDef {
    MetricDef {
        name: metric.name,
        unit: metric.unit,
        headline: metric.headline,
    }
}

impl ShardHeader {
    fn to_json(&self) -> HeaderJson {
        let layout = &self.layout;
        HeaderJson {
            chipsim_version: self.chipsim_version.clone(),
            config_hash: self.config_hash.clone(),
            seed: self.seed,
            replications: self.replications,
            shard_index: self.shard_index,
            shard_count: self.shard_count,
            scenario: layout.scenario.clone(),
            metrics: layout.metrics.iter().map(metric_json).collect(),
            series: layout.series.iter().map(series_json).collect(),
            periods: (layout.periods.iter())
                .map(|period| [period.start.to_string(), period.end.to_string()])
                .collect(),
            projects: (layout.projects.iter())
                .map(|group| ProjectJson {
                    name: group.name.clone(),
                    region: group.region.clone(),
                    planned_go_live: group.planned_go_live.to_string(),
                })
                .collect(),
        }
    }

    fn from_json(json: HeaderJson, path: &Path) -> Result<Self, OutputError> {
        let date = |text: &str| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| OutputError::format(path, format!("`{text}` is not an ISO date")))
        };
        let periods = (json.periods.iter())
            .map(|[start, end]| {
                Ok(Period {
                    start: date(start)?,
                    end: date(end)?,
                })
            })
            .collect::<Result<Vec<_>, OutputError>>()?;
        let projects = (json.projects.into_iter())
            .map(|group| {
                Ok(ProjectGroup {
                    planned_go_live: date(&group.planned_go_live)?,
                    name: group.name,
                    region: group.region,
                })
            })
            .collect::<Result<Vec<_>, OutputError>>()?;
        Ok(ShardHeader {
            chipsim_version: json.chipsim_version,
            config_hash: json.config_hash,
            seed: json.seed,
            replications: json.replications,
            shard_index: json.shard_index,
            shard_count: json.shard_count,
            layout: OutputLayout {
                scenario: json.scenario,
                metrics: json.metrics.into_iter().map(metric_def).collect(),
                series: json.series.into_iter().map(series_def).collect(),
                periods,
                projects,
            },
        })
    }
}

/// Appends records to a shard's `shard_data.bin`.
#[derive(Debug)]
pub struct ShardDataWriter {
    writer: BufWriter<File>,
    path: PathBuf,
}

impl ShardDataWriter {
    /// Creates the file in `dir` and writes its header.
    pub fn create(dir: &Path, header: &ShardHeader) -> Result<Self, OutputError> {
        let path = dir.join(SHARD_DATA_FILE);
        let json = serde_json::to_vec(&header.to_json())
            .map_err(|error| OutputError::format(&path, error.to_string()))?;
        let file =
            File::create(&path).map_err(|error| OutputError::io("cannot create", &path, error))?;
        let mut data = ShardDataWriter {
            writer: BufWriter::new(file),
            path,
        };
        data.put(MAGIC)?;
        data.put(&VERSION.to_le_bytes())?;
        data.put(&(json.len() as u64).to_le_bytes())?;
        data.put(&json)?;
        Ok(data)
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.writer
            .write_all(bytes)
            .map_err(|error| OutputError::io("cannot write", &self.path, error))
    }

    /// One replication's record, for [`ShardDataWriter::write_record`]. The result must
    /// have been checked against the layout, and no project group may hold more than
    /// `u32::MAX` outcomes (the runner's aggregator refuses such a result before its
    /// record is written). Cost: one allocation and a copy of every value, which the
    /// runner's worker threads pay.
    pub fn encode_record(replication: u64, seed: u64, result: &ReplicationResult) -> Vec<u8> {
        let outcomes: usize = result.projects.iter().map(Vec::len).sum();
        let values = 3 + result.metrics.len() + result.series.len();
        let mut record = Vec::with_capacity(8 * values + 4 * result.projects.len() + 9 * outcomes);
        for value in [replication, seed, result.events] {
            record.extend_from_slice(&value.to_le_bytes());
        }
        for value in result.metrics.iter().chain(&result.series) {
            record.extend_from_slice(&value.to_le_bytes());
        }
        for outcomes in &result.projects {
            let count = u32::try_from(outcomes.len()).unwrap_or(u32::MAX);
            record.extend_from_slice(&count.to_le_bytes());
            for outcome in outcomes {
                record.extend_from_slice(&outcome.delay_days.to_le_bytes());
                record.push(outcome.cause.index() as u8);
            }
        }
        record
    }

    /// Appends a record from [`ShardDataWriter::encode_record`]: a copy of its bytes.
    pub fn write_record(&mut self, record: &[u8]) -> Result<(), OutputError> {
        self.put(record)
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.writer
            .flush()
            .map_err(|error| OutputError::io("cannot write", &self.path, error))
    }
}

/// Reads a shard's `shard_data.bin`: the header, then the records in order.
#[derive(Debug)]
pub struct ShardDataReader {
    reader: BufReader<File>,
    path: PathBuf,
    header: ShardHeader,
}

/// Reads exactly `N` bytes, or reports `Ok(None)` at a clean end of file.
fn read_array<const N: usize>(
    reader: &mut impl Read,
    path: &Path,
) -> Result<Option<[u8; N]>, OutputError> {
    let mut bytes = [0u8; N];
    let mut filled = 0;
    while filled < N {
        match reader.read(&mut bytes[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(OutputError::format(path, "the file ends inside a record")),
            Ok(read) => filled += read,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(OutputError::io("cannot read", path, error)),
        }
    }
    Ok(Some(bytes))
}

impl ShardDataReader {
    /// Opens `dir/shard_data.bin` and reads its header.
    pub fn open(dir: &Path) -> Result<Self, OutputError> {
        let path = dir.join(SHARD_DATA_FILE);
        let file = File::open(&path).map_err(|error| {
            if error.kind() == std::io::ErrorKind::NotFound {
                OutputError::format(
                    &path,
                    "not found: merge and compare read folders written by `chipsim run` \
                     (before version 0.1.0's time-series comparison, only with --shard)",
                )
            } else {
                OutputError::io("cannot open", &path, error)
            }
        })?;
        let mut reader = BufReader::new(file);
        let not_shard_data = || OutputError::format(&path, "not a chipsim shard data file");
        let magic: [u8; 8] = read_array(&mut reader, &path)?.ok_or_else(not_shard_data)?;
        if &magic != MAGIC {
            return Err(not_shard_data());
        }
        let version =
            u32::from_le_bytes(read_array(&mut reader, &path)?.ok_or_else(not_shard_data)?);
        if version != VERSION {
            return Err(OutputError::format(
                &path,
                format!(
                    "shard data format version {version}; this chipsim reads version {VERSION}"
                ),
            ));
        }
        let length =
            u64::from_le_bytes(read_array(&mut reader, &path)?.ok_or_else(not_shard_data)?);
        if length > MAX_HEADER_BYTES {
            return Err(not_shard_data());
        }
        let mut json = vec![0u8; length as usize];
        reader
            .read_exact(&mut json)
            .map_err(|_| OutputError::format(&path, "the file ends inside its header"))?;
        let json: HeaderJson = serde_json::from_slice(&json)
            .map_err(|error| OutputError::format(&path, format!("header: {error}")))?;
        let header = ShardHeader::from_json(json, &path)?;
        Ok(ShardDataReader {
            reader,
            path,
            header,
        })
    }

    /// What the shard ran.
    pub fn header(&self) -> &ShardHeader {
        &self.header
    }

    /// The next record as `(replication, seed, result)`, or `None` at the end.
    pub fn next_record(&mut self) -> Result<Option<(u64, u64, ReplicationResult)>, OutputError> {
        let path = self.path.as_path();
        let reader = &mut self.reader;
        let Some(replication) = read_array::<8>(reader, path)? else {
            return Ok(None);
        };
        let mut word = || -> Result<[u8; 8], OutputError> {
            read_array::<8>(reader, path)?
                .ok_or_else(|| OutputError::format(path, "the file ends inside a record"))
        };
        let seed = u64::from_le_bytes(word()?);
        let events = u64::from_le_bytes(word()?);
        let layout = &self.header.layout;
        let metrics = (0..layout.metrics.len())
            .map(|_| word().map(f64::from_le_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        let series = (0..layout.periods.len() * layout.series.len())
            .map(|_| word().map(f64::from_le_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        let truncated = || OutputError::format(path, "the file ends inside a record");
        let mut projects = Vec::with_capacity(layout.projects.len());
        for _ in &layout.projects {
            let count = u32::from_le_bytes(read_array(reader, path)?.ok_or_else(truncated)?);
            let mut outcomes = Vec::new();
            for _ in 0..count {
                let delay_days =
                    f64::from_le_bytes(read_array(reader, path)?.ok_or_else(truncated)?);
                let [code] = read_array::<1>(reader, path)?.ok_or_else(truncated)?;
                let cause = *DelayCause::ALL.get(usize::from(code)).ok_or_else(|| {
                    OutputError::format(path, format!("unknown delay cause code {code}"))
                })?;
                outcomes.push(ProjectOutcome { delay_days, cause });
            }
            projects.push(outcomes);
        }
        Ok(Some((
            u64::from_le_bytes(replication),
            seed,
            ReplicationResult {
                metrics,
                series,
                projects,
                events,
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> ShardHeader {
        let date = |d| NaiveDate::from_ymd_opt(2027, 1, d).expect("date");
        ShardHeader {
            chipsim_version: "0.1.0".into(),
            config_hash: "ab".into(),
            seed: 7,
            replications: 10,
            shard_index: 1,
            shard_count: 3,
            layout: OutputLayout {
                scenario: "s".into(),
                metrics: vec![MetricDef {
                    name: "m".into(),
                    unit: "u".into(),
                    headline: true,
                }],
                series: vec![SeriesDef {
                    scope: "world".into(),
                    metric: MetricDef {
                        name: "q".into(),
                        unit: "v".into(),
                        headline: false,
                    },
                }],
                periods: vec![Period {
                    start: date(1),
                    end: date(31),
                }],
                projects: vec![ProjectGroup {
                    name: "p".into(),
                    region: "r".into(),
                    planned_go_live: date(2),
                }],
            },
        }
    }

    #[test]
    fn records_round_trip_bit_for_bit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let result = ReplicationResult {
            metrics: vec![f64::NAN],
            series: vec![0.1 + 0.2],
            projects: vec![vec![
                ProjectOutcome {
                    delay_days: 3.5,
                    cause: DelayCause::Shipping,
                },
                ProjectOutcome {
                    delay_days: 0.0,
                    cause: DelayCause::OnTime,
                },
            ]],
            events: 99,
        };
        let mut writer = ShardDataWriter::create(dir.path(), &header()).expect("create");
        let emptied = ReplicationResult {
            projects: vec![vec![]],
            ..result.clone()
        };
        for (replication, seed, result) in [(1, 11, &result), (4, 44, &emptied)] {
            let record = ShardDataWriter::encode_record(replication, seed, result);
            writer.write_record(&record).expect("write");
        }
        writer.finish().expect("finish");

        let mut reader = ShardDataReader::open(dir.path()).expect("open");
        assert_eq!(reader.header(), &header());
        let (replication, seed, read) = reader.next_record().expect("read").expect("record");
        assert_eq!((replication, seed, read.events), (1, 11, 99));
        assert!(read.metrics[0].is_nan());
        assert_eq!(
            (&read.series, &read.projects),
            (&result.series, &result.projects)
        );
        let (replication, _, read) = reader.next_record().expect("read").expect("record");
        assert_eq!((replication, read.projects), (4, vec![vec![]]));
        assert!(reader.next_record().expect("end").is_none());
    }

    #[test]
    fn truncated_and_foreign_files_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut writer = ShardDataWriter::create(dir.path(), &header()).expect("create");
        let result = ReplicationResult {
            metrics: vec![1.0],
            series: vec![2.0],
            projects: vec![vec![]],
            events: 0,
        };
        let record = ShardDataWriter::encode_record(1, 11, &result);
        writer.write_record(&record).expect("write");
        writer.finish().expect("finish");
        let path = dir.path().join(SHARD_DATA_FILE);
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, &bytes[..bytes.len() - 2]).expect("truncate");
        let mut reader = ShardDataReader::open(dir.path()).expect("open");
        let error = reader.next_record().expect_err("truncated");
        assert!(
            error.to_string().contains("ends inside a record"),
            "{error}"
        );
        std::fs::write(&path, "replication,seed\n").expect("overwrite");
        let error = ShardDataReader::open(dir.path()).expect_err("foreign");
        assert!(
            error.to_string().contains("not a chipsim shard data file"),
            "{error}"
        );
    }
}
