//! `chipsim compare`: paired differences (other − base) between two runs that used the
//! same seeds: per scalar metric into `compare.csv`, per period, scope and series into
//! `compare_timeseries.csv` beside it, then the charts of that folder (the difference
//! over time with its band among them). The terminal ends with the biggest changes,
//! in the glossary's words. Runs of different replication counts are paired over the
//! replications both have, and the terminal says so. After Ctrl-C or SIGTERM it writes
//! nothing (see [`super::signals`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use chipsim::glossary;
use chipsim::output::{
    world_series, write_comparison, write_comparison_file, ComparisonRow, SeriesComparisonRow,
    SeriesComparisonTable, COMPARE_FILE, COMPARE_TIMESERIES_FILE, SHARD_DATA_FILE,
};
use chipsim::report::{biggest_changes, interval, period_label, readable, signed, Change};
use chipsim::runner::{compare_runs, compare_series, Comparison, SeriesComparison};

use super::table::{terminal_width, Align, TextTable};

/// The most metrics the closing table lists.
const LISTED: usize = 10;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Output folder of the base run.
    #[arg(value_name = "BASE_DIR")]
    pub base: PathBuf,
    /// Output folder of the run to compare with it.
    #[arg(value_name = "OTHER_DIR")]
    pub other: PathBuf,
    /// Where to write the comparison CSV. Default: OTHER_DIR/compare.csv. The time
    /// series go beside it, in compare_timeseries.csv (or NAME_timeseries.csv).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write the CSV files only, no charts.
    #[arg(long)]
    pub no_plots: bool,
}

/// Where the time-series comparison goes: beside `out`, `compare_timeseries.csv` for
/// `compare.csv`, else `<stem>_timeseries.csv`.
fn series_path(out: &Path) -> PathBuf {
    let name = match out.file_name().and_then(|name| name.to_str()) {
        Some(COMPARE_FILE) | None => COMPARE_TIMESERIES_FILE.to_string(),
        Some(name) => {
            let stem = Path::new(name).file_stem().map_or_else(
                || name.to_string(),
                |stem| stem.to_string_lossy().into_owned(),
            );
            format!("{stem}_timeseries.csv")
        }
    };
    out.with_file_name(name)
}

fn change(row: &ComparisonRow) -> Change {
    Change {
        base_mean: row.base_mean,
        diff_mean: row.diff_mean,
        ci95: row.paired_ci95,
    }
}

fn series_change(row: &SeriesComparisonRow) -> Change {
    Change {
        base_mean: row.base_mean,
        diff_mean: row.diff_mean,
        ci95: row.paired_ci95,
    }
}

pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    super::signals::install(super::signals::Outputs::AllOrNothing)?;
    let comparison = compare_runs(&args.base, &args.other)?;
    let raw_data = [&args.base, &args.other]
        .into_iter()
        .find(|dir| !dir.join(SHARD_DATA_FILE).is_file());
    let series = match raw_data {
        None => Some(compare_series(&args.base, &args.other)?),
        Some(dir) => {
            note!(
                "no time-series comparison: {} holds no {SHARD_DATA_FILE} (runs of this \
                 chipsim write it; rerun to pair the series)",
                dir.display()
            );
            None
        }
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.other.join(COMPARE_FILE));
    if let Some(code) = super::signals::interrupted() {
        return Ok(code);
    }
    write_comparison(&out, &comparison.rows)?;
    let series_out = series_path(&out);
    if let Some(series) = &series {
        write_comparison_file(
            &series_out,
            &SeriesComparisonTable {
                rows: &series.rows,
                base_replications: series.base_replications,
                other_replications: series.other_replications,
            },
        )?;
    }
    tell(&comparison, series.as_ref())?;
    note!(
        "{} paired replications → {}{}",
        comparison.paired,
        out.display(),
        if series.is_some() {
            format!(", {}", series_out.display())
        } else {
            String::new()
        }
    );
    let folder = out.parent().filter(|dir| !dir.as_os_str().is_empty());
    let charted = out.file_name().and_then(|name| name.to_str()) == Some(COMPARE_FILE);
    if !args.no_plots && charted {
        let exports = super::plot::Exports {
            plots: true,
            xlsx: false,
            quiet: false,
        };
        exports.write(folder.unwrap_or(Path::new(".")))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The closing lines: how replications were paired, the biggest scalar changes and,
/// for each world series, the period it changed most.
fn tell(comparison: &Comparison, series: Option<&SeriesComparison>) -> anyhow::Result<()> {
    if comparison.base_replications != comparison.other_replications {
        out!(
            "The runs have different replication counts (base {}, other {}): the {} \
             replications both have are paired.",
            comparison.base_replications,
            comparison.other_replications,
            comparison.paired
        );
    }
    for (names, run) in [
        (&comparison.only_in_base, "the base run"),
        (&comparison.only_in_other, "the other run"),
    ] {
        if !names.is_empty() {
            out!("Only in {run}: {}", names.join(", "));
        }
    }
    let width = terminal_width();
    let biggest = biggest_changes(&comparison.rows, change, LISTED);
    if biggest.is_empty() {
        out!("No metric changed beyond what the replications can tell from noise (every paired 95 % CI includes 0).");
    } else {
        out!("Biggest paired changes (other − base; the 95 % CI excludes 0):");
        let mut table = TextTable::new(&[
            ("metric", Align::Left),
            ("unit", Align::Left),
            ("base", Align::Right),
            ("other", Align::Right),
            ("change", Align::Right),
            ("95 % CI", Align::Right),
            ("relative", Align::Right),
        ]);
        for row in biggest {
            table.row(vec![
                glossary::scalar_label(&row.metric),
                glossary::scalar(&row.metric).map_or_else(String::new, |t| t.unit.to_string()),
                readable(row.base_mean),
                readable(row.other_mean),
                signed(row.diff_mean),
                interval(row.paired_ci95.0, row.paired_ci95.1),
                change(row).relative_text(),
            ]);
        }
        for line in table.lines(width) {
            out!("{line}");
        }
    }
    let Some(series) = series else {
        return Ok(());
    };
    let mut table = TextTable::new(&[
        ("series (world)", Align::Left),
        ("unit", Align::Left),
        ("period", Align::Left),
        ("base", Align::Right),
        ("change", Align::Right),
        ("95 % CI", Align::Right),
        ("relative", Align::Right),
    ]);
    let mut any = false;
    for (_, rows) in world_series(&series.rows) {
        let Some(row) = biggest_changes(&rows, |row| series_change(row), 1).pop() else {
            continue;
        };
        any = true;
        let label = glossary::series(&row.metric, &row.scope, &row.unit)
            .map_or_else(|| row.metric.replace('_', " "), |term| term.label);
        table.row(vec![
            label,
            row.unit.clone(),
            period_label(&row.period),
            readable(row.base_mean),
            signed(row.diff_mean),
            interval(row.paired_ci95.0, row.paired_ci95.1),
            series_change(row).relative_text(),
        ]);
    }
    if any {
        out!("");
        out!("When each world series changed most:");
        for line in table.lines(width) {
            out!("{line}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_series_file_sits_beside_the_comparison() {
        assert_eq!(
            series_path(Path::new("out/compare.csv")),
            Path::new("out/compare_timeseries.csv")
        );
        assert_eq!(
            series_path(Path::new("out/quake.csv")),
            Path::new("out/quake_timeseries.csv")
        );
    }
}
