//! The sweep's files: `sweep_replications.csv` streamed as replications are consumed,
//! then `sweep_points.csv`, `sensitivity.csv` and `manifest.json` (layouts in
//! [`super`]). A run and a merge feed the same [`Collector`] in the same order, which is
//! why their files are byte-identical.

use std::path::Path;

use serde::Serialize;

use crate::output::contract::{
    names, SensitivityColumn, SweepPointsColumn, SweepReplicationsColumn, SWEEP_POINT_STATISTICS,
};
use crate::output::{
    as_written, number, seed_text, statistic_cell, text, write_manifest, CsvFile, Execution,
    OutputError, ShardSpec, Status,
};
use crate::replication::OutputLayout;
use crate::runner::RunError;
use crate::stats::Summary;

use super::analysis::{analyse, PointValues};
use super::design::Design;
use super::spec::{DesignSpec, Levels, Setting};
use super::{Study, SweepError};

pub use crate::output::{SENSITIVITY_FILE, SWEEP_POINTS_FILE, SWEEP_REPLICATIONS_FILE};

/// The header of `sweep_replications.csv` for `layout`.
pub(crate) fn replications_header(layout: &OutputLayout) -> Vec<String> {
    (names(SweepReplicationsColumn::ALL).map(str::to_string))
        .chain(layout.metrics.iter().map(|m| text(&m.name)))
        .collect()
}

/// Consumes replications point by point, in order, and writes the folder.
#[derive(Debug)]
pub(crate) struct Collector {
    file: CsvFile,
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
        let mut file = CsvFile::create(dir, SWEEP_REPLICATIONS_FILE)?;
        file.row(replications_header(study.layout()))?;
        Ok(Collector {
            file,
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
            // The values as written, which a merge reads back: its analysis is the same.
            for (column, &metric) in values.iter_mut().zip(&self.analysed) {
                column.push(as_written(metrics[metric]));
            }
        }
        self.row.clear();
        self.row.extend(
            SweepReplicationsColumn::ALL
                .iter()
                .map(|column| match column {
                    SweepReplicationsColumn::Point => point.to_string(),
                    SweepReplicationsColumn::Replication => replication.to_string(),
                    SweepReplicationsColumn::Seed => seed_text(seed),
                }),
        );
        self.row.extend(metrics.iter().map(|&v| number(v)));
        self.file.row(&self.row)?;
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
        self.file.finish()?;
        let (study, design) = (run.study, run.design);
        write_points(dir, study, design, &self.points)?;
        let complete = self.points.len() == design.points.len();
        if complete {
            let values: Vec<PointValues> = self.points.into_iter().map(|(_, v)| v).collect();
            write_sensitivity(dir, study, design, &values)?;
        }
        write_sweep_manifest(dir, run, self.events)?;
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
    let mut file = CsvFile::create(dir, SWEEP_POINTS_FILE)?;
    let parameters = design.parameters.iter().map(|p| text(&p.name));
    let statistics = names(&SWEEP_POINT_STATISTICS).map(str::to_string);
    file.row(
        (names(SweepPointsColumn::ALL).map(str::to_string))
            .chain(parameters)
            .chain(statistics),
    )?;
    let metrics = study.metrics();
    for (point, values) in points {
        let coordinates: Vec<String> = (design.parameters.iter().zip(&design.points[*point]))
            .map(|(parameter, x)| number(x.or(parameter.base).unwrap_or(f64::NAN)))
            .collect();
        for (metric, values) in metrics.iter().zip(values) {
            let summary = Summary::of(values);
            let keys = SweepPointsColumn::ALL.iter().map(|column| match column {
                SweepPointsColumn::Point => point.to_string(),
            });
            let statistics =
                (SWEEP_POINT_STATISTICS.iter()).map(|&c| statistic_cell(c, metric, &summary));
            file.row(keys.chain(coordinates.iter().cloned()).chain(statistics))?;
        }
    }
    file.finish()
}

fn write_sensitivity(
    dir: &Path,
    study: &Study,
    design: &Design,
    values: &[PointValues],
) -> Result<(), OutputError> {
    let metrics = study.metrics();
    let sensitivity = analyse(design, values, metrics.len());
    let mut file = CsvFile::create(dir, SENSITIVITY_FILE)?;
    // The design's columns come between `unit` and `rank`.
    let (keys, rank) = SensitivityColumn::ALL.split_at(SensitivityColumn::ALL.len() - 1);
    file.row(
        names(keys)
            .chain(sensitivity.columns.iter().copied())
            .chain(names(rank)),
    )?;
    for row in &sensitivity.rows {
        let parameter = &design.parameters[row.parameter];
        let metric = metrics[row.metric];
        let cell = |column: &SensitivityColumn| match column {
            SensitivityColumn::Parameter => text(&parameter.name),
            SensitivityColumn::Setting => parameter.setting.label().to_string(),
            SensitivityColumn::Metric => text(&metric.name),
            SensitivityColumn::Unit => text(&metric.unit),
            SensitivityColumn::Rank => row.rank.to_string(),
        };
        file.row(
            (keys.iter().map(cell))
                .chain(row.numbers.iter().map(|&v| number(v)))
                .chain(rank.iter().map(cell)),
        )?;
    }
    file.finish()
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

fn write_sweep_manifest(dir: &Path, run: &RunRecord<'_>, events: u64) -> Result<(), OutputError> {
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
    write_manifest(dir, &manifest)
}
