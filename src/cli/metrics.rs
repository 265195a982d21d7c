//! `chipsim metrics [NAME...] [--markdown]`: the glossary of every metric (what it
//! measures, its unit and how one value is made) as a table on the terminal, or as the
//! Markdown of `docs/metrics.md`. Both come from [`chipsim::glossary`], which reads the
//! model's metric records.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Args;

use chipsim::glossary::{self, Term};
use chipsim::model::ScopeKind;

use super::table::{terminal_width, Align, TextTable};

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Only these metrics: names as in the output files (`chips_short`,
    /// `energy_twh_2027`, `energy_twh_2027.us_east`) or time-series names (`backlog`).
    #[arg(value_name = "NAME")]
    names: Vec<String>,
    /// Print docs/metrics.md (Markdown) instead of the table.
    #[arg(long, conflicts_with = "names")]
    markdown: bool,
}

/// The rows of the glossary: one section per kind of metric.
fn sections() -> Vec<(String, Vec<Term>)> {
    let mut sections = vec![(
        "Scalar metrics: one value per replication (summary.csv, replications.csv); * headline"
            .to_string(),
        glossary::scalar_terms(),
    )];
    for kind in ScopeKind::ALL {
        sections.push((
            format!(
                "Time series for {}: one value per period (timeseries.csv)",
                glossary::scope_description(kind)
            ),
            glossary::series_terms(kind),
        ));
    }
    sections
}

/// The terms `name` stands for: a scalar metric (or one instance of a family) and every
/// time series of that name.
fn lookup(name: &str) -> Vec<Term> {
    let scalar = glossary::scalar(name);
    let series = (ScopeKind::ALL.into_iter().flat_map(glossary::series_terms))
        .filter(|term| term.name == name);
    scalar.into_iter().chain(series).collect()
}

pub fn run(args: MetricsArgs) -> anyhow::Result<ExitCode> {
    if args.markdown {
        std::io::stdout().write_all(glossary::markdown().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let sections = if args.names.is_empty() {
        sections()
    } else {
        let mut terms = Vec::new();
        for name in &args.names {
            let found = lookup(name);
            if found.is_empty() {
                anyhow::bail!(
                    "no metric is named `{name}`; `chipsim metrics` lists them all (families \
                     as energy_twh_YYYY, shock_KIND_days, energy_twh_YYYY.REGION)"
                );
            }
            terms.extend(found);
        }
        vec![("Metrics".to_string(), terms)]
    };
    let width = terminal_width();
    for (index, (title, terms)) in sections.iter().enumerate() {
        if index > 0 {
            out!("");
        }
        out!("{title}");
        let mut table = TextTable::new(&[
            ("metric", Align::Left),
            ("unit", Align::Left),
            ("what it measures", Align::Left),
        ]);
        for term in terms {
            let mark = if term.headline { "*" } else { "" };
            table.row(vec![
                format!("{}{mark}", term.name),
                term.unit.to_string(),
                format!(
                    "{}: {} One value is the {}.",
                    term.label, term.definition, term.aggregation
                ),
            ]);
        }
        for line in table.lines(width) {
            out!("{line}");
        }
    }
    if args.names.is_empty() {
        out!("");
        out!("{}", glossary::ACROSS_REPLICATIONS);
    }
    Ok(ExitCode::SUCCESS)
}
