//! Sensitivity studies: which inputs move chip shortages, delays and energy most, with
//! uncertainty. A sweep varies parameters of a base scenario over a design (one at a
//! time, grid, Latin hypercube, Morris), runs the same replications at every design
//! point through the runner, and writes per-point statistics and a sensitivity table.
//!
//! # The sweep section
//!
//! A `[sweep]` section in the scenario file, or a sweep file holding only
//! `base = "baseline.toml"` (relative to the sweep file) and a `[sweep]` section:
//!
//! ```toml
//! [sweep]
//! design = "one_at_a_time"      # or "grid" (levels = 3), "latin_hypercube" (points = 50),
//!                               # "morris" (trajectories = 10, levels = 4)
//! metrics = ["chips_short", "project_delay_mean_days"]   # default: the headline metrics
//! replications = 200            # per point; default: the scenario's, else 100
//!
//! [[sweep.parameters]]
//! name = "fab capacity"                    # label; default: the path(s)
//! path = ["fabs.*.wafer_starts_per_week",  # every fab's starts and capacity
//!         "fabs.*.capacity_schedule.*.per_week"]   # schedule, moved together
//! scale = [0.8, 1.2]                       # multiplier of the base values
//!
//! [[sweep.parameters]]
//! path = "power.pue"
//! low = 1.1                                # or values = [1.1, 1.3, 1.5]
//! high = 1.5
//! ```
//!
//! Paths are described in [`crate::scenario::path`] (ids name array elements, `*` matches all, `scale` may
//! multiply a distribution). Each design point is the base scenario's TOML with the
//! point's values written in, checked by [`crate::scenario::parse`] like any scenario.
//!
//! # Common random numbers
//!
//! Replication r of every point uses `replication_seed(base seed, r)`, so two points
//! differ, replication by replication, only by what the design changed: one-at-a-time
//! effects are paired differences with tight CIs, and a parameter that feeds nothing has
//! an effect of exactly zero.
//!
//! # Output files (in `outputs/<scenario>-sweep/` or `--out`)
//!
//! - `sweep_points.csv`: one row per design point × analysed metric: `point`, one column
//!   per parameter (headed by its name; the value written, or the multiplier for a
//!   `scale` parameter; at the base, the base value, or empty when a wildcard's matches
//!   differ), `metric`, `unit`, `n`, `mean`, `std`, `ci95_low`, `ci95_high` over the
//!   point's replications.
//! - `sensitivity.csv`: one row per analysed metric × parameter, metrics in order and
//!   parameters by rank: `parameter`, `setting` (`value` or `scale`), `metric`, `unit`,
//!   the design's columns (methods in the `analysis` module), `rank` (1 = moves the metric most).
//!   One at a time: `base_value`, `low_value`, `high_value`, `base_mean`, `low_mean`,
//!   `high_mean`, `low_effect` and `high_effect` (mean paired difference from the base)
//!   each with `_ci95_low`/`_ci95_high`. Morris: `mu_star`, `mu`, `sigma`, `effects` (on
//!   parameters scaled to [0, 1]). Grid and Latin hypercube: `linear_effect`, `src`,
//!   `r_squared`.
//! - `sweep_replications.csv`: the raw data, one row per point × replication:
//!   `point`, `replication`, `seed`, then every scalar metric of the model.
//! - `manifest.json`: version, hashes of the sweep file and the base scenario, seed,
//!   replications per point, the design and its parameters (with every place each one
//!   sets), shard, events, and `execution` (threads, timings: the only part that varies
//!   between runs of the same sweep).
//!
//! Cells follow [`crate::output`]'s conventions (dot decimals, 15-digit numbers,
//! hexadecimal seeds, empty for undefined, text neutralised for spreadsheets). A sweep
//! is all or nothing: the folder is written atomically when every point has run, and a
//! failed or cancelled sweep leaves the previous outputs as they were.
//!
//! # Sharding
//!
//! `--shard I/N` runs design points I, I+N, I+2N, … (all replications of each) and
//! writes their `sweep_replications.csv`, `sweep_points.csv` and manifest, but no
//! `sensitivity.csv`. [`merge_sweep`] (`chipsim sweep CONFIG --merge DIR…`) checks
//! that the folders are the N shards of the same sweep (hashes, seed, replications,
//! version), regenerates the design from CONFIG and writes exactly the files of one
//! unsharded run.
//!
//! # Adding a design
//!
//! A new kind of design is a word in `spec`'s `Kind` and a variant of [`DesignSpec`]
//! with its settings checked in `spec::check`; its points in `design::build` and their
//! count in `design::point_count`; and its sensitivity columns in `analysis` (the
//! compiler lists every `match` over [`DesignSpec`] that needs an arm).

mod analysis;
mod design;
mod execute;
pub mod reference;
mod spec;
mod tables;

use std::path::{Path, PathBuf};

use crate::model::ScenarioModel;
use crate::output::{config_hash, OutputError};
use crate::replication::{MetricDef, OutputLayout};
use crate::runner::RunError;
use crate::scenario::locate::FieldPath;
use crate::scenario::path;
use crate::scenario::{self, Scenario, ScenarioError};

pub use design::{Design, ParameterInfo};
pub use execute::{merge_sweep, run_sweep, SweepOptions, SweepOutcome};
pub use spec::{DesignSpec, Levels, ParameterSpec, Setting, SweepSpec, MAX_POINTS};
pub use tables::{SENSITIVITY_FILE, SWEEP_POINTS_FILE, SWEEP_REPLICATIONS_FILE};

// The optimiser (`crate::optimize`) steps values found by the same paths.
pub(crate) use path::{resolve, Target};
pub(crate) use spec::Paths;

/// How many nearest metric names an unknown-metric error lists.
const NEAREST_METRICS: usize = 3;

/// A sweep that cannot be read, run or merged. The message says where and how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep file or its base scenario cannot be read, or a value in either is not
    /// allowed (an unknown path or metric, a value out of range): located like any
    /// scenario error, `file:line: field: message`.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The file has no `[sweep]` section.
    #[error(
        "{file}: no [sweep] section: add one to the scenario, or write a sweep file with \
         `base = \"<scenario>.toml\"` and a [sweep] section"
    )]
    NoSweep {
        /// The file.
        file: String,
    },
    /// A design point is not a valid scenario (e.g. a value out of its field's range).
    #[error("design point {point} ({settings}): {field}{message}")]
    Point {
        /// Point index.
        point: usize,
        /// Its parameter values.
        settings: String,
        /// `field: ` or empty.
        field: String,
        /// What the scenario parser said.
        message: String,
    },
    /// A design point reports other metrics than the base scenario.
    #[error("design point {point} ({settings}) reports other metrics than the base scenario, so points cannot be compared")]
    LayoutChanged {
        /// Point index.
        point: usize,
        /// Its parameter values.
        settings: String,
    },
    /// An option out of range.
    #[error("invalid --{option}: {message}")]
    InvalidOption {
        /// The option, without `--`.
        option: &'static str,
        /// What is allowed, and what was given.
        message: String,
    },
    /// A design point's replications failed.
    #[error("design point {point} ({settings}): {source}")]
    Run {
        /// Point index.
        point: usize,
        /// Its parameter values.
        settings: String,
        /// What failed.
        source: RunError,
    },
    /// Stopped by the cancel flag; nothing was written.
    #[error("interrupted: a sweep needs every point, so nothing was written")]
    Interrupted,
    /// Reading or writing an output file failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Shard folders that cannot be merged; nothing was written.
    #[error("{}: {message}", path.display())]
    Merge {
        /// The folder or file at fault.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl SweepError {
    /// `message` about `field` of the sweep file `file` (whose text is `text`).
    fn invalid(text: &str, file: &str, field: &FieldPath, message: String) -> SweepError {
        ScenarioError::invalid(text, file, field, &message).into()
    }
}

/// A checked sweep bound to its base scenario: ready to build design points.
#[derive(Debug, Clone)]
pub struct Study {
    /// The file the sweep came from.
    pub source: String,
    /// The base scenario.
    pub base: Scenario,
    /// The checked `[sweep]` section.
    pub spec: SweepSpec,
    base_value: toml::Value,
    targets: Vec<Vec<Target>>,
    layout: OutputLayout,
    metrics: Vec<usize>,
    parameters: Vec<ParameterInfo>,
    config_hash: String,
    base_config_hash: String,
}

impl Study {
    /// Reads the sweep at `path`: a scenario with a `[sweep]` section, or a sweep file
    /// naming its `base` scenario.
    pub fn load(path: &Path) -> Result<Study, SweepError> {
        let file = path.display().to_string();
        let text = scenario::read_text(path)?;
        let section = spec::read_section(&text, &file)?;
        let base = match &section.base {
            Some(base) => {
                let table: toml::Table = toml::from_str(&text).unwrap_or_default();
                if let Some(key) = table
                    .keys()
                    .find(|key| !["base", "sweep"].contains(&key.as_str()))
                {
                    return Err(SweepError::invalid(
                        &text,
                        &file,
                        &FieldPath::root(key),
                        "a sweep file holds only `base` and [sweep]; scenario fields belong in the base scenario".into(),
                    ));
                }
                let base_path = path.parent().unwrap_or(Path::new("")).join(base);
                let scenario = scenario::load(&base_path)?;
                if toml::from_str::<toml::Table>(&scenario.text)
                    .is_ok_and(|t| t.contains_key("sweep"))
                {
                    return Err(SweepError::invalid(
                        &text,
                        &file,
                        &FieldPath::root("base"),
                        format!("{} has its own [sweep] section: run it directly, or remove one of the two", base_path.display()),
                    ));
                }
                scenario
            }
            None => scenario::parse(&text, &file)?,
        };
        let raw = section
            .sweep
            .ok_or(SweepError::NoSweep { file: file.clone() })?;
        let spec = spec::check(&raw, &text, &file)?;
        Study::bind(file, &text, base, spec)
    }

    /// Binds a checked sweep (from `text`) to its base scenario: resolves every path and
    /// metric, and checks the design's size.
    fn bind(
        source: String,
        text: &str,
        base: Scenario,
        spec: SweepSpec,
    ) -> Result<Study, SweepError> {
        let invalid =
            |field: FieldPath, message: String| SweepError::invalid(text, &source, &field, message);
        let mut base_value: toml::Value = toml::from_str(&base.text)
            .map_err(|error| ScenarioError::parse(&base.text, &base.source, &error))?;
        if let toml::Value::Table(table) = &mut base_value {
            table.remove("sweep");
        }
        let mut targets: Vec<Vec<Target>> = Vec::with_capacity(spec.parameters.len());
        let mut parameters = Vec::with_capacity(spec.parameters.len());
        for (index, parameter) in spec.parameters.iter().enumerate() {
            let field = spec::parameter_field(index).key("path");
            let mut found: Vec<Target> = Vec::new();
            for written in &parameter.paths {
                let matched = path::resolve(&base_value, written)
                    .and_then(|matched| {
                        for target in &matched {
                            match parameter.setting {
                                Setting::Value => target.check_settable()?,
                                Setting::Scale => target.check_scalable()?,
                            }
                        }
                        Ok(matched)
                    })
                    .map_err(|error| invalid(field.clone(), error.to_string()))?;
                for target in matched {
                    let earlier = (targets.iter().enumerate())
                        .find(|(_, earlier)| {
                            earlier.iter().any(|t| t.place.path == target.place.path)
                        })
                        .map(|(other, _)| format!("parameter `{}`", spec.parameters[other].name));
                    let twice = found.iter().any(|t| t.place.path == target.place.path);
                    if let Some(owner) = earlier.or(twice.then(|| "another of its paths".into())) {
                        return Err(invalid(
                            field,
                            format!(
                                "`{}` is also set by {owner}: each value may be set once",
                                target.place.path
                            ),
                        ));
                    }
                    found.push(target);
                }
            }
            let base_coordinate = match parameter.setting {
                Setting::Scale => Some(1.0),
                Setting::Value => {
                    let first = found.first().and_then(Target::number);
                    first.filter(|&v| found.iter().all(|t| t.number() == Some(v)))
                }
            };
            parameters.push(ParameterInfo {
                name: parameter.name.clone(),
                setting: parameter.setting,
                levels: parameter.levels.clone(),
                base: base_coordinate,
            });
            targets.push(found);
        }
        let layout = base.world.layout();
        let metrics = match &spec.metrics {
            Some(names) => names
                .iter()
                .map(|name| {
                    layout
                        .metrics
                        .iter()
                        .position(|m| &m.name == name)
                        .ok_or_else(|| {
                            invalid(
                                FieldPath::root("sweep").key("metrics"),
                                format!(
                                    "the scenario has no metric `{name}`; nearest: {}",
                                    nearest_metrics(&layout, name)
                                ),
                            )
                        })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => (0..layout.metrics.len())
                .filter(|&i| layout.metrics[i].headline)
                .collect(),
        };
        let points = design::point_count(spec.design, &parameters);
        if points > MAX_POINTS {
            return Err(invalid(
                FieldPath::root("sweep").key("design"),
                format!("the design has {points} points; at most {MAX_POINTS} are allowed"),
            ));
        }
        Ok(Study {
            config_hash: config_hash(text),
            base_config_hash: config_hash(&base.text),
            source,
            base,
            spec,
            base_value,
            targets,
            layout,
            metrics,
            parameters,
        })
    }

    /// The base scenario's output layout.
    pub fn layout(&self) -> &OutputLayout {
        &self.layout
    }

    /// The analysed metrics, in order.
    pub fn metrics(&self) -> Vec<&MetricDef> {
        self.metrics
            .iter()
            .map(|&i| &self.layout.metrics[i])
            .collect()
    }

    /// Replications per point from the file (`[sweep] replications`, else the scenario's).
    pub fn replications(&self) -> Option<u64> {
        self.spec.replications.or(self.base.replications)
    }

    /// The design's points for base seed `base_seed`.
    pub fn design(&self, base_seed: u64) -> Design {
        design::build(self.spec.design, self.parameters.clone(), base_seed)
    }

    /// The point's parameter values in words, for messages.
    pub fn describe(&self, design: &Design, point: usize) -> String {
        let settings: Vec<String> = (design.parameters.iter().zip(&design.points[point]))
            .filter_map(|(parameter, coordinate)| {
                coordinate.map(|x| match parameter.setting {
                    Setting::Value => format!("{} = {x}", parameter.name),
                    Setting::Scale => format!("{} × {x}", parameter.name),
                })
            })
            .collect();
        if settings.is_empty() {
            "the base scenario".into()
        } else {
            settings.join(", ")
        }
    }

    /// The scenario of design point `point`, checked like any scenario file.
    pub fn scenario_at(&self, design: &Design, point: usize) -> Result<Scenario, SweepError> {
        let mut value = self.base_value.clone();
        for ((parameter, targets), coordinate) in
            (design.parameters.iter().zip(&self.targets)).zip(&design.points[point])
        {
            let Some(x) = *coordinate else {
                continue;
            };
            for target in targets {
                match parameter.setting {
                    Setting::Value => target.set(&mut value, x),
                    Setting::Scale => target.scale(&mut value, x),
                }
            }
        }
        let failed = |field: String, message: String| SweepError::Point {
            point,
            settings: self.describe(design, point),
            field,
            message,
        };
        let text =
            toml::to_string(&value).map_err(|error| failed(String::new(), error.to_string()))?;
        let scenario = scenario::parse(&text, &self.base.source).map_err(|error| match error {
            ScenarioError::Parse { field, message, .. } => failed(field, message),
            ScenarioError::Invalid { field, message, .. } => failed(format!("{field}: "), message),
            other => failed(String::new(), other.to_string()),
        })?;
        let names = |layout: &OutputLayout| {
            layout
                .metrics
                .iter()
                .map(|m| m.name.clone())
                .collect::<Vec<_>>()
        };
        if names(&scenario.world.layout()) != names(&self.layout) {
            return Err(SweepError::LayoutChanged {
                point,
                settings: self.describe(design, point),
            });
        }
        Ok(scenario)
    }

    /// The model of design point `point`.
    pub fn model_at(&self, design: &Design, point: usize) -> Result<ScenarioModel, SweepError> {
        self.scenario_at(design, point)
            .map(|scenario| ScenarioModel::new(scenario.world))
    }
}

/// The metric names nearest to `name`, for messages (also the optimiser's).
pub(crate) fn nearest_metrics(layout: &OutputLayout, name: &str) -> String {
    let mut scored: Vec<(usize, &str)> = (layout.metrics.iter())
        .map(|m| {
            (
                crate::scenario::edit_distance(name, &m.name),
                m.name.as_str(),
            )
        })
        .collect();
    scored.sort();
    scored
        .iter()
        .take(NEAREST_METRICS)
        .map(|(_, name)| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
