//! The sweep's files: `sweep_replications.csv` streamed as replications are consumed,
//! then `sweep_points.csv`, `sensitivity.csv` and `manifest.json` (layouts in
//! [`super`]). A run and a merge feed the same [`Collector`] in the same order, which is
//! why their files are byte-identical.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::output::{neutralise, number, Execution, OutputError, ShardSpec, Status, MANIFEST_FILE};
use crate::replication::OutputLayout;
use crate::runner::RunError;
use crate::stats::Summary;

use super::analysis::{analyse, PointValues};
use super::design::Design;
use super::spec::{DesignSpec, Levels, Setting};
use super::{Study, SweepError};

/// One row per design point × analysed metric.
pub const SWEEP_POINTS_FILE: &str = "sweep_points.csv";
/// One row per analysed metric × parameter.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
/// One row per design point × replication, every scalar metric.
pub const SWEEP_REPLICATIONS_FILE: &str = "sweep_replications.csv";

/// `sweep_replications.csv`'s first columns.
pub(crate) const REPLICATIONS_KEYS: [&str; 3] = ["point", "replication", "seed"];

fn create_csv(path: &Path) -> Result<csv::Writer<File>, OutputError> {
    csv::Writer::from_path(path).map_err(|error| OutputError::csv(path, error))
}

fn write_row<I, T>(writer: &mut csv::Writer<File>, path: &Path, cells: I) -> Result<(), OutputError>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    writer
        .write_record(cells)
        .map_err(|error| OutputError::csv(path, error))
}

fn finish_csv(mut writer: csv::Writer<File>, path: &Path) -> Result<(), OutputError> {
    writer
        .flush()
        .map_err(|error| OutputError::io("cannot write", path, error))
}

/// The header of `sweep_replications.csv` for `layout`.
pub(crate) fn replications_header(layout: &OutputLayout) -> Vec<String> {
    (REPLICATIONS_KEYS.iter().map(|key| key.to_string()))
        .chain(
            layout
                .metrics
                .iter()
                .map(|m| neutralise(&m.name).into_owned()),
        )
        .collect()
}

/// Consumes replications point by point, in order, and writes the folder.
#[derive(Debug)]
pub(crate) struct Collector {
    writer: csv::Writer<File>,
    path: PathBuf,
    metric_count: usize,
    analysed: Vec<usize>,
    /// Points held, in order, with the analysed metrics' values.
    points: Vec<(usize, PointValues)>,
    row: Vec<String>,
    events: u64,
}

impl Collector {
    /// Starts `sweep_replications.csv` in `dir`.
    pub(crate) fn create(dir: &Path, study: &Study) -> Result<Self, OutputError> {
        let path = dir.join(SWEEP_REPLICATIONS_FILE);
        let mut writer = create_csv(&path)?;
        write_row(&mut writer, &path, replications_header(study.layout()))?;
        Ok(Collector {
            writer,
            path,
            metric_count: study.layout().metrics.len(),
            analysed: study.metrics.clone(),
            points: Vec::new(),
            row: Vec::new(),
            events: 0,
        })
    }

    /// Adds replication `replication` of `point`; points come in order, and each
    /// point's replications from 0.
    pub(crate) fn push(
        &mut self,
        point: usize,
        replication: u64,
        seed: u64,
        metrics: &[f64],
        events: u64,
    ) -> Result<(), RunError> {
        let invalid = |message: String| RunError::InvalidResult {
            replication,
            message,
        };
        if metrics.len() != self.metric_count {
            return Err(invalid(format!(
                "{} metrics, the base scenario has {}",
                metrics.len(),
                self.metric_count
            )));
        }
        if let Some(index) = metrics.iter().position(|v| v.is_infinite()) {
            return Err(invalid(format!("metric {} is infinite", index + 1)));
        }
        if self.points.last().is_none_or(|(last, _)| *last != point) {
            self.points
                .push((point, vec![Vec::new(); self.analysed.len()]));
        }
        if let Some((_, values)) = self.points.last_mut() {
            for (column, &metric) in values.iter_mut().zip(&self.analysed) {
                column.push(metrics[metric]);
            }
        }
        self.row.clear();
        self.row
            .extend([point.to_string(), replication.to_string(), seed.to_string()]);
        self.row.extend(metrics.iter().map(|&v| number(v)));
        write_row(&mut self.writer, &self.path, &self.row)?;
        self.events = self.events.saturating_add(events);
        Ok(())
    }

    /// Adds events counted elsewhere (a merged shard's).
    pub(crate) fn add_events(&mut self, events: u64) {
        self.events = self.events.saturating_add(events);
    }

    /// Writes `sweep_points.csv`, `sensitivity.csv` (when every point is held) and the
    /// manifest into `dir`.
    pub(crate) fn finish(self, dir: &Path, run: &RunRecord<'_>) -> Result<(), SweepError> {
        finish_csv(self.writer, &self.path)?;
        let (study, design) = (run.study, run.design);
        write_points(dir, study, design, &self.points)?;
        let complete = self.points.len() == design.points.len();
        if complete {
            let values: Vec<PointValues> = self.points.into_iter().map(|(_, v)| v).collect();
            write_sensitivity(dir, study, design, &values)?;
        }
        write_manifest(dir, run, self.events)?;
        Ok(())
    }
}

/// What the manifest records besides the design.
#[derive(Debug)]
pub(crate) struct RunRecord<'a> {
    pub(crate) study: &'a Study,
    pub(crate) design: &'a Design,
    pub(crate) seed: u64,
    pub(crate) replications: u64,
    pub(crate) shard: Option<ShardSpec>,
    pub(crate) points_held: usize,
    pub(crate) execution: Execution,
}

fn write_points(
    dir: &Path,
    study: &Study,
    design: &Design,
    points: &[(usize, PointValues)],
) -> Result<(), OutputError> {
    let path = dir.join(SWEEP_POINTS_FILE);
    let mut writer = create_csv(&path)?;
    let header: Vec<String> = std::iter::once("point".to_string())
        .chain(
            design
                .parameters
                .iter()
                .map(|p| neutralise(&p.name).into_owned()),
        )
        .chain(
            [
                "metric",
                "unit",
                "n",
                "mean",
                "std",
                "ci95_low",
                "ci95_high",
            ]
            .map(String::from),
        )
        .collect();
    write_row(&mut writer, &path, header)?;
    let metrics = study.metrics();
    for (point, values) in points {
        let coordinates: Vec<String> = (design.parameters.iter().zip(&design.points[*point]))
            .map(|(parameter, x)| number(x.or(parameter.base).unwrap_or(f64::NAN)))
            .collect();
        for (metric, values) in metrics.iter().zip(values) {
            let s = Summary::of(values);
            let mut row = vec![point.to_string()];
            row.extend(coordinates.iter().cloned());
            row.push(neutralise(&metric.name).into_owned());
            row.push(neutralise(&metric.unit).into_owned());
            row.push(s.n.to_string());
            row.extend([s.mean, s.std, s.ci95_low, s.ci95_high].map(number));
            write_row(&mut writer, &path, row)?;
        }
    }
    finish_csv(writer, &path)
}

fn write_sensitivity(
    dir: &Path,
    study: &Study,
    design: &Design,
    values: &[PointValues],
) -> Result<(), OutputError> {
    let metrics = study.metrics();
    let sensitivity = analyse(design, values, metrics.len());
    let path = dir.join(SENSITIVITY_FILE);
    let mut writer = create_csv(&path)?;
    let header = ["parameter", "setting", "metric", "unit"]
        .iter()
        .chain(sensitivity.columns)
        .chain(&["rank"]);
    write_row(&mut writer, &path, header)?;
    for row in &sensitivity.rows {
        let parameter = &design.parameters[row.parameter];
        let metric = metrics[row.metric];
        let mut cells = vec![
            neutralise(&parameter.name).into_owned(),
            parameter.setting.label().to_string(),
            neutralise(&metric.name).into_owned(),
            neutralise(&metric.unit).into_owned(),
        ];
        cells.extend(row.numbers.iter().map(|&v| number(v)));
        cells.push(row.rank.to_string());
        write_row(&mut writer, &path, cells)?;
    }
    finish_csv(writer, &path)
}

/// A parameter in the manifest.
#[derive(Debug, Serialize)]
struct ManifestParameter<'a> {
    name: &'a str,
    paths: &'a [String],
    setting: Setting,
    low: f64,
    high: f64,
    values: Option<&'a [f64]>,
    base: Option<f64>,
    /// Every place in the base scenario the parameter sets.
    targets: Vec<&'a str>,
}

/// The content of a sweep's `manifest.json`.
#[derive(Debug, Serialize)]
struct SweepManifest<'a> {
    chipsim_version: &'a str,
    kind: &'static str,
    scenario: &'a str,
    config_hash: &'a str,
    base_config_hash: &'a str,
    seed: u64,
    replications_per_point: u64,
    design: DesignSpec,
    points: usize,
    parameters: Vec<ManifestParameter<'a>>,
    metrics: Vec<&'a str>,
    shard: Option<ShardSpec>,
    points_held: usize,
    status: Status,
    events_total: u64,
    execution: &'a Execution,
}

fn write_manifest(dir: &Path, run: &RunRecord<'_>, events: u64) -> Result<(), OutputError> {
    let study = run.study;
    let parameters = (study.spec.parameters.iter().zip(&run.design.parameters))
        .zip(&study.targets)
        .map(|((spec, info), targets)| {
            let (low, high) = info.bounds();
            ManifestParameter {
                name: &spec.name,
                paths: &spec.paths,
                setting: spec.setting,
                low,
                high,
                values: match &spec.levels {
                    Levels::List(values) => Some(values),
                    Levels::Range { .. } => None,
                },
                base: info.base,
                targets: targets.iter().map(|t| t.place.path.as_str()).collect(),
            }
        })
        .collect();
    let manifest = SweepManifest {
        chipsim_version: env!("CARGO_PKG_VERSION"),
        kind: "sweep",
        scenario: &study.layout.scenario,
        config_hash: &study.config_hash,
        base_config_hash: &study.base_config_hash,
        seed: run.seed,
        replications_per_point: run.replications,
        design: run.design.spec,
        points: run.design.points.len(),
        parameters,
        metrics: study.metrics().iter().map(|m| m.name.as_str()).collect(),
        shard: run.shard,
        points_held: run.points_held,
        status: Status::Complete,
        events_total: events,
        execution: &run.execution,
    };
    let path = dir.join(MANIFEST_FILE);
    let mut text = serde_json::to_string_pretty(&manifest)
        .map_err(|error| OutputError::format(&path, error.to_string()))?;
    text.push('\n');
    std::fs::write(&path, text).map_err(|error| OutputError::io("cannot write", &path, error))
}
