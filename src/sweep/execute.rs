//! Running a sweep: every design point (or a shard's share of them) is checked as a
//! scenario first, so a bad point fails before hours of work; then each point runs its
//! replications through [`crate::runner::run_in_order`] (parallel, results in
//! replication order) into one [`Collector`]. Merging shard folders feeds the same
//! collector from their `sweep_replications.csv`.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use serde::Deserialize;

use crate::output::{seed_text, utc_text, Execution, ShardSpec, Staging, StopRule, MANIFEST_FILE};
use crate::random::replication_seed;
use crate::runner::{run_in_order, Progress, RunControl, Shard};

use super::tables::{replications_header, Collector, RunRecord, SWEEP_REPLICATIONS_FILE};
use super::{Study, SweepError};

/// How to run a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepOptions {
    /// Replications per design point, at least 1.
    pub replications: u64,
    /// Base seed: of the replications, and of random designs.
    pub base_seed: u64,
    /// Worker threads, at least 1.
    pub threads: usize,
    /// Run only design points I, I+N, I+2N, ….
    pub shard: Option<Shard>,
    /// The output folder, replaced when the sweep succeeds.
    pub out_dir: PathBuf,
}

impl SweepOptions {
    /// Checks the options for `study`: at least one replication and one thread, and a
    /// shard that holds at least one design point. The error names the option.
    pub fn validate(&self, study: &Study) -> Result<(), SweepError> {
        let invalid = |option, message: String| Err(SweepError::InvalidOption { option, message });
        if self.replications == 0 {
            return invalid("reps", "must be at least 1, got 0".into());
        }
        if self.threads == 0 {
            return invalid("threads", "must be at least 1, got 0".into());
        }
        let Some(shard) = self.shard else {
            return Ok(());
        };
        if shard.count == 0 || shard.index >= shard.count {
            return invalid(
                "shard",
                format!("I/N needs 0 ≤ I < N, got {}/{}", shard.index, shard.count),
            );
        }
        let points = study.design(self.base_seed).points.len();
        if held_points(points, Some(shard)).is_empty() {
            return invalid(
                "shard",
                format!(
                    "shard {}/{} holds no design point: the design has {points} points, so I must be below {points}",
                    shard.index, shard.count
                ),
            );
        }
        Ok(())
    }
}

/// What a sweep or a merge wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepOutcome {
    /// Design points in the folder.
    pub points_held: usize,
    /// Design points of the whole design.
    pub points: usize,
    /// Replications per point.
    pub replications: u64,
    /// Elapsed seconds.
    pub wall_seconds: f64,
    /// The output folder.
    pub out_dir: PathBuf,
}

/// The design points of `shard` among `points`.
fn held_points(points: usize, shard: Option<Shard>) -> Vec<usize> {
    let shard = shard.unwrap_or(Shard::WHOLE);
    (0..points)
        .filter(|&point| point as u64 % shard.count == shard.index)
        .collect()
}

fn execution(
    threads: usize,
    started: SystemTime,
    clock: Instant,
    replications: u64,
    merged_from: Vec<String>,
) -> Execution {
    let wall_seconds = clock.elapsed().as_secs_f64();
    Execution {
        threads,
        started_utc: utc_text(started),
        finished_utc: utc_text(SystemTime::now()),
        wall_seconds,
        replications_per_second: if wall_seconds > 0.0 {
            replications as f64 / wall_seconds
        } else {
            0.0
        },
        merged_from,
    }
}

/// Runs the sweep (or one shard of it) and writes its folder; see the module docs.
/// `control.progress` counts replications over all the points run.
pub fn run_sweep(
    study: &Study,
    options: &SweepOptions,
    control: &RunControl<'_>,
) -> Result<SweepOutcome, SweepError> {
    options.validate(study)?;
    let started = SystemTime::now();
    let clock = Instant::now();
    let design = study.design(options.base_seed);
    let held = held_points(design.points.len(), options.shard);
    for &point in &held {
        study.scenario_at(&design, point)?;
    }

    let staging = Staging::create(&options.out_dir)?;
    let mut collector = Collector::create(staging.path(), study)?;
    let planned = held.len() as u64 * options.replications;
    for (done, &point) in held.iter().enumerate() {
        let model = study.model_at(&design, point)?;
        let before = done as u64 * options.replications;
        let report = |progress: Progress| {
            if let Some(report) = control.progress {
                report(Progress {
                    completed: before + progress.completed,
                    planned,
                });
            }
        };
        let point_control = RunControl {
            cancel: control.cancel,
            progress: control.progress.map(|_| &report as &dyn Fn(Progress)),
        };
        let stop = run_in_order(
            &model,
            options.replications,
            options.base_seed,
            options.threads,
            &point_control,
            &mut |replication, seed, result| {
                collector.push(point, replication, seed, &result.metrics, result.events)
            },
        )
        .map_err(|source| SweepError::Run {
            point,
            settings: study.describe(&design, point),
            source,
        })?;
        if stop == StopRule::Interrupted {
            return Err(SweepError::Interrupted);
        }
    }
    let record = RunRecord {
        study,
        design: &design,
        seed: options.base_seed,
        replications: options.replications,
        shard: options.shard.map(|shard| ShardSpec {
            index: shard.index,
            count: shard.count,
        }),
        points_held: held.len(),
        execution: execution(options.threads, started, clock, planned, Vec::new()),
    };
    collector.finish(staging.path(), &record)?;
    staging.commit()?;
    Ok(SweepOutcome {
        points_held: held.len(),
        points: design.points.len(),
        replications: options.replications,
        wall_seconds: clock.elapsed().as_secs_f64(),
        out_dir: options.out_dir.clone(),
    })
}

/// The fields of a shard's manifest that a merge checks.
#[derive(Debug, Deserialize)]
struct ShardManifest {
    chipsim_version: String,
    kind: String,
    config_hash: String,
    base_config_hash: String,
    seed: u64,
    replications_per_point: u64,
    shard: Option<ShardEntry>,
    events_total: u64,
}

/// `shard` of a shard's manifest.
#[derive(Debug, Clone, Copy, Deserialize)]
struct ShardEntry {
    index: u64,
    count: u64,
}

fn read_shard_manifest(dir: &Path) -> Result<ShardManifest, SweepError> {
    let path = dir.join(MANIFEST_FILE);
    let merge_error = |message: String| SweepError::Merge {
        path: path.clone(),
        message,
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|error| merge_error(format!("cannot read: {error}")))?;
    let manifest: ShardManifest = serde_json::from_str(&text)
        .map_err(|error| merge_error(format!("not the manifest of a sweep shard: {error}")))?;
    if manifest.kind != "sweep" {
        return Err(merge_error("not the manifest of a sweep".into()));
    }
    Ok(manifest)
}

/// Merges the shard folders `dirs` of `study`'s sweep into `out_dir`: exactly the files
/// of one unsharded run (the manifest's `execution` aside). Fails, writing nothing, if
/// the folders are not all N shards of the same sweep.
pub fn merge_sweep(
    study: &Study,
    dirs: &[PathBuf],
    out_dir: &Path,
) -> Result<SweepOutcome, SweepError> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let first_dir = dirs.first().ok_or_else(|| SweepError::InvalidOption {
        option: "merge",
        message: "needs the shard folders".into(),
    })?;
    let manifests = dirs
        .iter()
        .map(|dir| read_shard_manifest(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let first = &manifests[0];
    let count = first.shard.map_or(0, |shard| shard.count);
    let mut owners: Vec<Option<usize>> = vec![None; count as usize];
    for (index, (manifest, dir)) in manifests.iter().zip(dirs).enumerate() {
        let mismatch = |message: String| SweepError::Merge {
            path: dir.clone(),
            message,
        };
        let differs = [
            (
                "chipsim version",
                manifest.chipsim_version.as_str(),
                env!("CARGO_PKG_VERSION"),
            ),
            (
                "sweep file",
                manifest.config_hash.as_str(),
                study.config_hash.as_str(),
            ),
            (
                "base scenario",
                manifest.base_config_hash.as_str(),
                study.base_config_hash.as_str(),
            ),
        ];
        if let Some((what, _, _)) = differs.iter().find(|(_, a, b)| a != b) {
            return Err(mismatch(format!(
                "its {what} differs from {}'s: merge only the shards of this sweep",
                study.source
            )));
        }
        if manifest.seed != first.seed
            || manifest.replications_per_point != first.replications_per_point
        {
            return Err(mismatch(format!(
                "seed {} and {} replications per point, but {} has seed {} and {}: shards of different runs",
                manifest.seed,
                manifest.replications_per_point,
                first_dir.display(),
                first.seed,
                first.replications_per_point
            )));
        }
        let Some(shard) = manifest
            .shard
            .filter(|shard| shard.count == count && shard.index < count)
        else {
            return Err(mismatch(format!(
                "not a shard of {count}: merge the folders of one `--shard I/{count}` set"
            )));
        };
        if let Some(other) = owners[shard.index as usize].replace(index) {
            return Err(mismatch(format!(
                "shard {}/{count} again (also {})",
                shard.index,
                dirs[other].display()
            )));
        }
    }
    if let Some(absent) = owners.iter().position(Option::is_none) {
        return Err(SweepError::Merge {
            path: first_dir.clone(),
            message: format!("shard {absent}/{count} is missing: give all {count} shard folders"),
        });
    }
    let owners: Vec<usize> = owners.into_iter().flatten().collect();

    let design = study.design(first.seed);
    let replications = first.replications_per_point;
    let header = replications_header(study.layout());
    let mut readers = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let path = dir.join(SWEEP_REPLICATIONS_FILE);
        let mut reader = csv::Reader::from_path(&path).map_err(|error| SweepError::Merge {
            path: path.clone(),
            message: error.to_string(),
        })?;
        let found: Vec<String> = reader
            .headers()
            .map_err(|error| SweepError::Merge {
                path: path.clone(),
                message: error.to_string(),
            })?
            .iter()
            .map(String::from)
            .collect();
        if found != header {
            return Err(SweepError::Merge {
                path,
                message: "its columns are not this sweep's metrics".into(),
            });
        }
        readers.push((path, reader.into_records()));
    }

    let staging = Staging::create(out_dir)?;
    let mut collector = Collector::create(staging.path(), study)?;
    for point in 0..design.points.len() {
        let (path, records) = &mut readers[owners[point % owners.len()]];
        for replication in 0..replications {
            let corrupt = |message: String| SweepError::Merge {
                path: path.clone(),
                message,
            };
            let record = records
                .next()
                .ok_or_else(|| {
                    corrupt(format!(
                        "ends before replication {replication} of point {point}"
                    ))
                })?
                .map_err(|error| corrupt(error.to_string()))?;
            let cells: Vec<&str> = record.iter().collect();
            let seed = replication_seed(first.seed, replication);
            let expected = [point.to_string(), replication.to_string(), seed_text(seed)];
            if cells.len() != header.len() || cells[..3] != expected.each_ref().map(String::as_str)
            {
                return Err(corrupt(format!(
                    "expected point {point}, replication {replication}, seed {seed}, found `{}`",
                    cells.join(",")
                )));
            }
            let values = cells[3..]
                .iter()
                .map(|cell| {
                    if cell.is_empty() {
                        Ok(f64::NAN)
                    } else {
                        cell.parse::<f64>()
                            .map_err(|_| corrupt(format!("`{cell}` is not a number (point {point}, replication {replication})")))
                    }
                })
                .collect::<Result<Vec<f64>, _>>()?;
            collector
                .push(point, replication, seed, &values, 0)
                .map_err(|source| SweepError::Run {
                    point,
                    settings: study.describe(&design, point),
                    source,
                })?;
        }
    }
    for (path, records) in &mut readers {
        if records.next().is_some() {
            return Err(SweepError::Merge {
                path: path.clone(),
                message: "holds rows beyond its points' replications".into(),
            });
        }
    }
    collector.add_events(manifests.iter().map(|m| m.events_total).sum());
    let record = RunRecord {
        study,
        design: &design,
        seed: first.seed,
        replications,
        shard: None,
        points_held: design.points.len(),
        execution: execution(
            1,
            started,
            clock,
            design.points.len() as u64 * replications,
            dirs.iter().map(|dir| dir.display().to_string()).collect(),
        ),
    };
    collector.finish(staging.path(), &record)?;
    staging.commit()?;
    Ok(SweepOutcome {
        points_held: design.points.len(),
        points: design.points.len(),
        replications,
        wall_seconds: clock.elapsed().as_secs_f64(),
        out_dir: out_dir.to_path_buf(),
    })
}
