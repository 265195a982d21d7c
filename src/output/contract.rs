//! The output contract: the name of every file chipsim writes and the columns of every
//! table, defined once here and imported by every writer (run tables, sweep tables,
//! workbook, comparison) and every reader (compare, merge, plots, workbook).
//!
//! A table's columns are an enum, one variant per column in file order, each with its
//! header text and the [`CellKind`] of its cells. Adding a column is one line in its
//! enum; the compiler then points at the one writer that must fill it, and readers,
//! which find columns by these names, are unaffected. Adding a file is one constant and
//! one [`TableSpec`] in [`TABLES`], which also makes it an own file of its folder
//! ([`FolderKind::owns`]) and, if asked, a sheet of the workbook.
//!
//! Some columns are named by the scenario or the design (one per metric, parameter or
//! delay cause); [`TableSpec::named_columns`] says what their cells hold, and the
//! writers put them where the enums' documentation says.

use crate::replication::DelayCause;

/// The manifest of every output folder: what was run, and the mark of a chipsim folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// One row per metric: headline metrics first, then the others, each in layout order.
pub const SUMMARY_FILE: &str = "summary.csv";
/// One row per replication, in index order.
pub const REPLICATIONS_FILE: &str = "replications.csv";
/// One row per period × series metric.
pub const TIMESERIES_FILE: &str = "timeseries.csv";
/// One row per project group.
pub const PROJECTS_FILE: &str = "projects.csv";
/// A shard's raw results, for `chipsim merge` (written only with `--shard`).
pub const SHARD_DATA_FILE: &str = "shard_data.bin";
/// `chipsim compare`'s paired differences, by default beside the other run's outputs.
pub const COMPARE_FILE: &str = "compare.csv";
/// `chipsim compare`'s paired differences per period, scope and series, beside
/// `compare.csv`.
pub const COMPARE_TIMESERIES_FILE: &str = "compare_timeseries.csv";
/// `chipsim report`'s page: everything an output folder holds, in one HTML file.
pub const REPORT_FILE: &str = "report.html";
/// The tables of an output folder as one workbook.
pub const WORKBOOK_FILE: &str = "results.xlsx";
/// The folder of charts inside an output folder.
pub const PLOTS_DIR: &str = "plots";
/// One row per sweep design point × analysed metric.
pub const SWEEP_POINTS_FILE: &str = "sweep_points.csv";
/// One row per analysed metric × sweep parameter.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
/// One row per sweep design point × replication, every scalar metric.
pub const SWEEP_REPLICATIONS_FILE: &str = "sweep_replications.csv";

/// What the cells of a column hold: how a spreadsheet should show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Text (names, units, labels).
    Text,
    /// An ISO date, `YYYY-MM-DD`.
    Date,
    /// A whole number: a count or an index.
    Count,
    /// A random seed.
    Seed,
    /// A number in the unit of the row's (or column's) metric.
    Value,
    /// A number of days.
    Days,
    /// A fraction of 1.
    Share,
    /// A number already in percent.
    Percent,
    /// Any other number.
    Number,
}

/// Units the model reports that count things: shown as whole numbers.
const COUNT_UNITS: [&str; 5] = ["accelerators", "wafers", "projects", "fabs", "occurrences"];

/// How a number in `unit` is shown: days, percent, a count, or any other number.
pub fn unit_kind(unit: &str) -> CellKind {
    match unit {
        "days" | "fab-days" => CellKind::Days,
        "percent" => CellKind::Percent,
        unit if COUNT_UNITS.contains(&unit) => CellKind::Count,
        _ => CellKind::Number,
    }
}

/// A column of an output table.
pub trait Column: Copy + 'static {
    /// The header text.
    fn name(self) -> &'static str;
    /// What its cells hold.
    fn kind(self) -> CellKind;
}

/// Declares the fixed columns of a table, in file order: an enum with one variant per
/// column, its header text and its [`CellKind`], and `COLUMNS` (names and kinds).
macro_rules! columns {
    ($(#[$doc:meta])* $table:ident { $($column:ident = $name:literal : $kind:ident,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $table {
            $(#[doc = concat!("`", $name, "`")] $column,)+
        }

        impl $table {
            /// Every column, in file order.
            pub const ALL: &'static [$table] = &[$($table::$column),+];
            /// Every column's name and kind, in file order.
            pub const COLUMNS: &'static [(&'static str, CellKind)] =
                &[$(($name, CellKind::$kind)),+];
        }

        impl Column for $table {
            fn name(self) -> &'static str {
                match self {
                    $($table::$column => $name,)+
                }
            }

            fn kind(self) -> CellKind {
                match self {
                    $($table::$column => CellKind::$kind,)+
                }
            }
        }
    };
}

/// The header texts of `columns`, in order.
pub fn names<C: Column>(columns: &[C]) -> impl Iterator<Item = &'static str> + '_ {
    columns.iter().map(|column| column.name())
}

columns! {
    /// A metric's statistics over replications: the columns of `summary.csv` after
    /// `scenario`, and the statistics `timeseries.csv` and `sweep_points.csv` carry
    /// ([`TIMESERIES_STATISTICS`], [`SWEEP_POINT_STATISTICS`]).
    Statistic {
        Metric = "metric": Text,
        Unit = "unit": Text,
        N = "n": Count,
        Mean = "mean": Value,
        Std = "std": Value,
        Ci95Low = "ci95_low": Value,
        Ci95High = "ci95_high": Value,
        P5 = "p5": Value,
        P50 = "p50": Value,
        P95 = "p95": Value,
        Min = "min": Value,
        Max = "max": Value,
    }
}

columns! {
    /// `summary.csv`: these, then every [`Statistic`].
    SummaryColumn {
        Scenario = "scenario": Text,
    }
}

columns! {
    /// `timeseries.csv`: these, then the [`TIMESERIES_STATISTICS`].
    TimeseriesColumn {
        Scenario = "scenario": Text,
        PeriodStart = "period_start": Date,
        PeriodEnd = "period_end": Date,
        Scope = "scope": Text,
    }
}

/// The statistics of `timeseries.csv`, after its [`TimeseriesColumn`]s.
pub const TIMESERIES_STATISTICS: [Statistic; 6] = [
    Statistic::Metric,
    Statistic::Unit,
    Statistic::Mean,
    Statistic::P5,
    Statistic::P50,
    Statistic::P95,
];

columns! {
    /// `projects.csv`: these, then one [`share_column`] per delay cause.
    ProjectsColumn {
        Scenario = "scenario": Text,
        Project = "project": Text,
        Region = "region": Text,
        PlannedGoLive = "planned_go_live": Date,
        ProjectsPerReplication = "projects_per_replication": Number,
        DelayMeanDays = "delay_mean_days": Days,
        DelayP50Days = "delay_p50_days": Days,
        DelayP90Days = "delay_p90_days": Days,
        DelayP95Days = "delay_p95_days": Days,
    }
}

/// The prefix of the `projects.csv` columns holding the share of each delay cause.
pub const SHARE_PREFIX: &str = "share_";

/// The `projects.csv` column of a delay cause's share, e.g. `share_grid`.
pub fn share_column(cause: DelayCause) -> String {
    format!("{SHARE_PREFIX}{}", cause.label())
}

columns! {
    /// `replications.csv`: these, then one column per metric, headed by its name.
    ReplicationsColumn {
        Replication = "replication": Count,
        Seed = "seed": Seed,
    }
}

columns! {
    /// `compare.csv`: other minus base, paired by replication.
    CompareColumn {
        Metric = "metric": Text,
        N = "n": Count,
        BaseMean = "base_mean": Value,
        OtherMean = "other_mean": Value,
        DiffMean = "diff_mean": Value,
        PairedCi95Low = "paired_ci95_low": Value,
        PairedCi95High = "paired_ci95_high": Value,
        UnpairedCi95Low = "unpaired_ci95_low": Value,
        UnpairedCi95High = "unpaired_ci95_high": Value,
    }
}

columns! {
    /// `compare_timeseries.csv`: other minus base per period, scope and series, paired
    /// by replication. `n` pairs were made of the replications both runs have
    /// (`base_replications` and `other_replications`); `relative_diff` is the mean
    /// difference over the base mean (empty when that is 0).
    CompareTimeseriesColumn {
        PeriodStart = "period_start": Date,
        PeriodEnd = "period_end": Date,
        Scope = "scope": Text,
        Metric = "metric": Text,
        Unit = "unit": Text,
        N = "n": Count,
        BaseReplications = "base_replications": Count,
        OtherReplications = "other_replications": Count,
        BaseMean = "base_mean": Value,
        OtherMean = "other_mean": Value,
        DiffMean = "diff_mean": Value,
        PairedCi95Low = "paired_ci95_low": Value,
        PairedCi95High = "paired_ci95_high": Value,
        RelativeDiff = "relative_diff": Share,
    }
}

columns! {
    /// `sweep_points.csv`: these, then one column per parameter (headed by its name),
    /// then the [`SWEEP_POINT_STATISTICS`].
    SweepPointsColumn {
        Point = "point": Count,
    }
}

/// The statistics of `sweep_points.csv`, after the parameter columns.
pub const SWEEP_POINT_STATISTICS: [Statistic; 7] = [
    Statistic::Metric,
    Statistic::Unit,
    Statistic::N,
    Statistic::Mean,
    Statistic::Std,
    Statistic::Ci95Low,
    Statistic::Ci95High,
];

columns! {
    /// `sensitivity.csv`: these but `rank`, then the design's columns
    /// ([`TornadoColumn`], [`MorrisColumn`] or [`RegressionColumn`]), then `rank`.
    SensitivityColumn {
        Parameter = "parameter": Text,
        Setting = "setting": Text,
        Metric = "metric": Text,
        Unit = "unit": Text,
        Rank = "rank": Count,
    }
}

columns! {
    /// The `sensitivity.csv` columns of a one-at-a-time design: the parameter's values,
    /// the metric's mean at the base, low and high point, and the paired effects
    /// (low − base, high − base) with their 95 % CIs.
    TornadoColumn {
        BaseValue = "base_value": Number,
        LowValue = "low_value": Number,
        HighValue = "high_value": Number,
        BaseMean = "base_mean": Value,
        LowMean = "low_mean": Value,
        HighMean = "high_mean": Value,
        LowEffect = "low_effect": Value,
        LowEffectCi95Low = "low_effect_ci95_low": Value,
        LowEffectCi95High = "low_effect_ci95_high": Value,
        HighEffect = "high_effect": Value,
        HighEffectCi95Low = "high_effect_ci95_low": Value,
        HighEffectCi95High = "high_effect_ci95_high": Value,
    }
}

columns! {
    /// The `sensitivity.csv` columns of a Morris design: the mean absolute elementary
    /// effect, the mean, their standard deviation and how many there were.
    MorrisColumn {
        MuStar = "mu_star": Value,
        Mu = "mu": Value,
        Sigma = "sigma": Value,
        Effects = "effects": Count,
    }
}

columns! {
    /// The `sensitivity.csv` columns of a grid or Latin hypercube design: the fitted
    /// change from low to high, the standardised regression coefficient and the R².
    RegressionColumn {
        LinearEffect = "linear_effect": Value,
        Src = "src": Number,
        RSquared = "r_squared": Number,
    }
}

columns! {
    /// `sweep_replications.csv`: these, then one column per metric, headed by its name.
    SweepReplicationsColumn {
        Point = "point": Count,
        Replication = "replication": Count,
        Seed = "seed": Seed,
    }
}

/// The kinds of output folder chipsim writes. Each marks its folder with a
/// `manifest.json` holding `chipsim_version` (and `kind`, except a run's), and replaces
/// only a folder of its own kind, keeping every file it does not own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FolderKind {
    /// `chipsim run` or `merge`: the run tables, the manifest and a shard's data.
    Run,
    /// `chipsim sweep`: the sweep tables and the manifest.
    Sweep,
    /// `plots/` inside an output folder: the charts its manifest lists, and the manifest.
    Plots,
}

/// The manifest field every chipsim manifest has: the mark of a chipsim folder.
pub const OWNER_FIELD: &str = "chipsim_version";
/// The manifest field naming the folder's kind (absent in a run's manifest).
pub const KIND_FIELD: &str = "kind";
/// The field of the plots manifest listing the charts, by file stem.
pub const CHARTS_FIELD: &str = "charts";
/// Every chart is written as `<stem>.svg` and `<stem>.png`.
pub const CHART_EXTENSIONS: [&str; 2] = ["svg", "png"];

impl FolderKind {
    /// Its name in messages and in the manifest's `kind`.
    pub fn label(self) -> &'static str {
        match self {
            FolderKind::Run => "run",
            FolderKind::Sweep => "sweep",
            FolderKind::Plots => "plots",
        }
    }

    /// The kind of folder a chipsim manifest describes: its `kind`, else a run (whose
    /// manifest has none), or plots for a manifest listing charts (written before
    /// plots manifests had a kind). `Err` holds a kind this chipsim does not know.
    pub fn of_manifest(manifest: &serde_json::Value) -> Result<FolderKind, String> {
        match manifest.get(KIND_FIELD).and_then(serde_json::Value::as_str) {
            Some("sweep") => Ok(FolderKind::Sweep),
            Some("plots") => Ok(FolderKind::Plots),
            Some("run") => Ok(FolderKind::Run),
            Some(other) => Err(other.to_string()),
            None if manifest.get(CHARTS_FIELD).is_some() => Ok(FolderKind::Plots),
            None => Ok(FolderKind::Run),
        }
    }

    /// Whether `name` is a file this kind of folder writes, given the folder's
    /// manifest: what a new call replaces, as opposed to files it keeps.
    pub fn owns(self, manifest: &serde_json::Value, name: &str) -> bool {
        let table = || {
            TABLES
                .iter()
                .any(|table| table.folder == Some(self) && table.file == name)
        };
        match self {
            FolderKind::Run => name == MANIFEST_FILE || name == SHARD_DATA_FILE || table(),
            FolderKind::Sweep => name == MANIFEST_FILE || table(),
            FolderKind::Plots => {
                let charts = manifest.get(CHARTS_FIELD).and_then(|c| c.as_array());
                name == MANIFEST_FILE
                    || (charts.into_iter().flatten()).any(|chart| {
                        (chart.as_str()).is_some_and(|stem| {
                            (CHART_EXTENSIONS.iter())
                                .any(|extension| name == format!("{stem}.{extension}"))
                        })
                    })
            }
        }
    }
}

/// A table of the contract.
#[derive(Debug)]
pub struct TableSpec {
    /// Its file name.
    pub file: &'static str,
    /// The folder it is an own file of; `None` for a file of its own (`compare.csv`).
    pub folder: Option<FolderKind>,
    /// Whether the workbook has a sheet of it (named as the file, without `.csv`).
    pub in_workbook: bool,
    /// Its fixed columns by name and kind, in groups.
    pub columns: &'static [&'static [(&'static str, CellKind)]],
    /// What the columns named by the scenario or the design hold.
    pub named_columns: CellKind,
}

impl TableSpec {
    /// The kind of the column headed `name`.
    pub fn kind_of(&self, name: &str) -> CellKind {
        (self.columns.iter().flat_map(|group| group.iter()))
            .find(|(column, _)| *column == name)
            .map_or(self.named_columns, |&(_, kind)| kind)
    }

    /// The workbook sheet's name: the file name without its extension.
    pub fn sheet_name(&self) -> &'static str {
        self.file.strip_suffix(".csv").unwrap_or(self.file)
    }
}

/// Every table chipsim writes; the workbook's sheets come in this order.
pub const TABLES: &[TableSpec] = &[
    TableSpec {
        file: SUMMARY_FILE,
        folder: Some(FolderKind::Run),
        in_workbook: true,
        columns: &[SummaryColumn::COLUMNS, Statistic::COLUMNS],
        named_columns: CellKind::Value,
    },
    TableSpec {
        file: TIMESERIES_FILE,
        folder: Some(FolderKind::Run),
        in_workbook: true,
        columns: &[TimeseriesColumn::COLUMNS, Statistic::COLUMNS],
        named_columns: CellKind::Value,
    },
    TableSpec {
        file: PROJECTS_FILE,
        folder: Some(FolderKind::Run),
        in_workbook: true,
        columns: &[ProjectsColumn::COLUMNS],
        named_columns: CellKind::Share,
    },
    TableSpec {
        file: REPLICATIONS_FILE,
        folder: Some(FolderKind::Run),
        in_workbook: true,
        columns: &[ReplicationsColumn::COLUMNS],
        named_columns: CellKind::Value,
    },
    TableSpec {
        file: SENSITIVITY_FILE,
        folder: Some(FolderKind::Sweep),
        in_workbook: true,
        columns: &[
            SensitivityColumn::COLUMNS,
            TornadoColumn::COLUMNS,
            MorrisColumn::COLUMNS,
            RegressionColumn::COLUMNS,
        ],
        named_columns: CellKind::Number,
    },
    TableSpec {
        file: SWEEP_POINTS_FILE,
        folder: Some(FolderKind::Sweep),
        in_workbook: true,
        columns: &[SweepPointsColumn::COLUMNS, Statistic::COLUMNS],
        named_columns: CellKind::Number,
    },
    TableSpec {
        file: SWEEP_REPLICATIONS_FILE,
        folder: Some(FolderKind::Sweep),
        in_workbook: false,
        columns: &[SweepReplicationsColumn::COLUMNS],
        named_columns: CellKind::Value,
    },
    TableSpec {
        file: COMPARE_FILE,
        folder: None,
        in_workbook: false,
        columns: &[CompareColumn::COLUMNS],
        named_columns: CellKind::Value,
    },
    TableSpec {
        file: COMPARE_TIMESERIES_FILE,
        folder: None,
        in_workbook: false,
        columns: &[CompareTimeseriesColumn::COLUMNS],
        named_columns: CellKind::Value,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    fn table_spec(file: &str) -> Option<&'static TableSpec> {
        TABLES.iter().find(|table| table.file == file)
    }

    #[test]
    fn folders_own_the_files_their_kind_writes() {
        let run = serde_json::json!({OWNER_FIELD: "0.1.0", "scenario": "s"});
        assert_eq!(FolderKind::of_manifest(&run), Ok(FolderKind::Run));
        for own in [
            SUMMARY_FILE,
            REPLICATIONS_FILE,
            MANIFEST_FILE,
            SHARD_DATA_FILE,
        ] {
            assert!(FolderKind::Run.owns(&run, own), "{own}");
        }
        for kept in [
            PLOTS_DIR,
            WORKBOOK_FILE,
            COMPARE_FILE,
            SENSITIVITY_FILE,
            "notes.txt",
        ] {
            assert!(!FolderKind::Run.owns(&run, kept), "{kept}");
        }
        let sweep = serde_json::json!({OWNER_FIELD: "0.1.0", KIND_FIELD: "sweep"});
        assert_eq!(FolderKind::of_manifest(&sweep), Ok(FolderKind::Sweep));
        assert!(FolderKind::Sweep.owns(&sweep, SWEEP_POINTS_FILE));
        assert!(!FolderKind::Sweep.owns(&sweep, SUMMARY_FILE));
        let plots = serde_json::json!({OWNER_FIELD: "0.1.0", CHARTS_FIELD: ["fan_x"]});
        assert_eq!(FolderKind::of_manifest(&plots), Ok(FolderKind::Plots));
        assert!(FolderKind::Plots.owns(&plots, "fan_x.svg"));
        assert!(FolderKind::Plots.owns(&plots, "fan_x.png"));
        assert!(!FolderKind::Plots.owns(&plots, "fan_y.svg"), "not listed");
        let later = serde_json::json!({OWNER_FIELD: "9.0.0", KIND_FIELD: "optimize"});
        assert_eq!(FolderKind::of_manifest(&later), Err("optimize".to_string()));
    }

    #[test]
    fn table_files_are_unique_and_columns_unique_within_a_table() {
        for (index, table) in TABLES.iter().enumerate() {
            assert!(
                TABLES[..index].iter().all(|other| other.file != table.file),
                "{} twice",
                table.file
            );
            let names: Vec<&str> = (table.columns.iter().flat_map(|g| g.iter()))
                .map(|(name, _)| *name)
                .collect();
            for (at, name) in names.iter().enumerate() {
                // Statistic columns are listed once per table even when a table
                // carries only some of them; no two groups may name the same column.
                assert!(!names[..at].contains(name), "{}: {name} twice", table.file);
            }
        }
    }

    #[test]
    fn kinds_are_found_by_name() {
        let projects = table_spec(PROJECTS_FILE).expect("projects");
        assert_eq!(projects.kind_of("planned_go_live"), CellKind::Date);
        assert_eq!(projects.kind_of("delay_p95_days"), CellKind::Days);
        assert_eq!(
            projects.kind_of(&share_column(DelayCause::Grid)),
            CellKind::Share
        );
        let replications = table_spec(REPLICATIONS_FILE).expect("replications");
        assert_eq!(replications.kind_of("seed"), CellKind::Seed);
        assert_eq!(replications.kind_of("chips_short"), CellKind::Value);
        assert_eq!(
            table_spec(SENSITIVITY_FILE).map(|t| t.sheet_name()),
            Some("sensitivity")
        );
        assert_eq!(Statistic::Ci95Low.name(), "ci95_low");
        assert_eq!(unit_kind("fab-days"), CellKind::Days);
        assert_eq!(unit_kind("accelerators"), CellKind::Count);
        assert_eq!(unit_kind("percent"), CellKind::Percent);
        assert_eq!(unit_kind("TWh"), CellKind::Number);
        assert_eq!(
            (table_spec(COMPARE_FILE).map(|t| t.folder)),
            Some(None),
            "compare.csv belongs to no folder"
        );
        assert_eq!(names(TIMESERIES_STATISTICS.as_slice()).count(), 6);
    }
}
