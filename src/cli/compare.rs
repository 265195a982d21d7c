//! `chipsim compare`: paired differences (other − base) per metric between two runs
//! that used the same seeds, written to `compare.csv` and shown as a short table.
//! After Ctrl-C or SIGTERM it writes nothing (see [`super::signals`]).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use chipsim::output::{write_comparison, COMPARE_FILE};
use chipsim::runner::compare_runs;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Output folder of the base run.
    #[arg(value_name = "BASE_DIR")]
    pub base: PathBuf,
    /// Output folder of the run to compare with it.
    #[arg(value_name = "OTHER_DIR")]
    pub other: PathBuf,
    /// Where to write the comparison CSV. Default: OTHER_DIR/compare.csv.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// A number for the table: empty when undefined, else six decimals.
fn cell(value: f64) -> String {
    if value.is_nan() {
        String::new()
    } else {
        format!("{value:.6}")
    }
}

pub fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    super::signals::install(super::signals::Outputs::AllOrNothing)?;
    let comparison = compare_runs(&args.base, &args.other)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.other.join(COMPARE_FILE));
    if let Some(code) = super::signals::interrupted() {
        return Ok(code);
    }
    write_comparison(&out, &comparison.rows)?;
    out!(
        "{:<32} {:>6} {:>16} {:>16} {:>16}   paired 95 % CI",
        "metric",
        "n",
        "base mean",
        "other mean",
        "difference"
    );
    for row in &comparison.rows {
        out!(
            "{:<32} {:>6} {:>16} {:>16} {:>16}   [{}, {}]",
            row.metric,
            row.n,
            cell(row.base_mean),
            cell(row.other_mean),
            cell(row.diff_mean),
            cell(row.paired_ci95.0),
            cell(row.paired_ci95.1),
        );
    }
    for (names, run) in [
        (&comparison.only_in_base, "the base run"),
        (&comparison.only_in_other, "the other run"),
    ] {
        if !names.is_empty() {
            out!("only in {run}: {}", names.join(", "));
        }
    }
    note!(
        "{} paired replications → {}",
        comparison.paired,
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
