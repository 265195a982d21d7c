//! The glossary: every metric chipsim reports, looked up by the name it has in the
//! output files, with its plain-English label, unit, definition and how one value is
//! made (a total, a mean over what, a snapshot), all read from the metric records of the
//! model ([`METRICS`], [`SERIES`]); and the delay causes of `projects.csv`.
//!
//! Nothing else defines a metric: `chipsim metrics`, `docs/metrics.md` ([`markdown`]),
//! chart titles, the terminal tables of `run` and `compare` and the report all take
//! their words from here. A metric family's instances are named by the model (an
//! electricity total per calendar year is `energy_twh_2027`, per region
//! `energy_twh_2027.us_east`, a shock kind's count `shock_outage_occurrences`);
//! [`scalar`] reads such a name back to its record and labels the instance.

use crate::model::{Instances, Metric, ScopeKind, ShockKind, METRICS, SERIES};
use crate::replication::{DelayCause, WORLD_SCOPE};

/// One metric, or one family of metrics, as the glossary shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// The name in the output files; for a family, its pattern (`energy_twh_YYYY`).
    pub name: String,
    /// Plain English, e.g. `Electricity 2027` or `Chips delivered, us_east`.
    pub label: String,
    /// Unit.
    pub unit: &'static str,
    /// A headline metric (shown first, drives `--precision`).
    pub headline: bool,
    /// How one replication's value (or one period's) is made.
    pub aggregation: &'static str,
    /// What it measures.
    pub definition: &'static str,
    /// Where a time series is kept; `None` for a scalar metric.
    pub scope: Option<ScopeKind>,
}

impl Term {
    /// The label with the unit: `Chips short at their need date (accelerators)`.
    pub fn label_with_unit(&self) -> String {
        with_unit(&self.label, self.unit)
    }
}

/// `label (unit)`, or the label alone when there is no unit.
pub fn with_unit(label: &str, unit: &str) -> String {
    if unit.is_empty() {
        label.to_string()
    } else {
        format!("{label} ({unit})")
    }
}

/// What the glossary knows of a metric named in an output file, if anything.
fn term(metric: &Metric, name: String, label: String) -> Term {
    Term {
        name,
        label,
        unit: metric.unit,
        headline: metric.headline,
        aggregation: metric.aggregation,
        definition: metric.definition,
        scope: None,
    }
}

/// A calendar year as the model writes it in a name: four digits.
fn year(text: &str) -> Option<&str> {
    (text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())).then_some(text)
}

/// A shock kind's label in words: `lane_disruption` → `lane disruption`.
fn kind_words(kind: ShockKind) -> String {
    kind.label().replace('_', " ")
}

/// The scalar metric named `name` in `summary.csv` or `replications.csv`, with the
/// instance's label; `None` for a name no metric record makes.
pub fn scalar(name: &str) -> Option<Term> {
    for group in METRICS {
        for metric in group.metrics {
            let label = match group.instances {
                Instances::Once | Instances::IfShockKind(_) => {
                    (name == metric.name).then(|| metric.label.to_string())
                }
                Instances::PerYear => (name.strip_prefix(metric.name))
                    .and_then(|rest| year(rest.strip_prefix('_')?))
                    .map(|year| format!("{} {year}", metric.label)),
                Instances::PerShockKind => ShockKind::ALL.into_iter().find_map(|kind| {
                    let instance = format!("shock_{}_{}", kind.label(), metric.name);
                    (name == instance).then(|| format!("{}: {}", metric.label, kind_words(kind)))
                }),
                Instances::PerRegionYear => (name.strip_prefix(metric.name))
                    .and_then(|rest| rest.strip_prefix('_')?.split_once('.'))
                    .filter(|(year_text, region)| year(year_text).is_some() && !region.is_empty())
                    .map(|(year, region)| format!("{} {year}, {region}", metric.label)),
            };
            if let Some(label) = label {
                return Some(term(metric, name.to_string(), label));
            }
        }
    }
    None
}

/// The time series `name` of `scope` (as in `timeseries.csv`: `world`, `region:<name>`,
/// `fab:<id>`, `site:<id>`) in `unit`: the world's for scope `world`, else the region's,
/// fab's or site's record of that name and unit, labelled with the scope's name.
pub fn series(name: &str, scope: &str, unit: &str) -> Option<Term> {
    let world = scope == WORLD_SCOPE;
    let record = SERIES.iter().find(|s| {
        s.name == name && (s.scope == ScopeKind::World) == world && (world || s.unit == unit)
    })?;
    Some(Term {
        name: name.to_string(),
        label: if world {
            record.label.to_string()
        } else {
            let place = scope.split_once(':').map_or(scope, |(_, name)| name);
            format!("{}, {place}", record.label)
        },
        unit: record.unit,
        headline: false,
        aggregation: record.aggregation,
        definition: record.definition,
        scope: Some(record.scope),
    })
}

/// The plain-English label of a scalar metric, or its name in words when the glossary
/// does not know it (a metric of a test double).
pub fn scalar_label(name: &str) -> String {
    scalar(name).map_or_else(|| name.replace('_', " "), |term| term.label)
}

/// Every scalar metric and family, in layout order, families under their pattern.
pub fn scalar_terms() -> Vec<Term> {
    let mut terms = Vec::new();
    for group in METRICS {
        for metric in group.metrics {
            let name = match group.instances {
                Instances::Once | Instances::IfShockKind(_) => metric.name.to_string(),
                Instances::PerYear => format!("{}_YYYY", metric.name),
                Instances::PerShockKind => format!("shock_KIND_{}", metric.name),
                Instances::PerRegionYear => format!("{}_YYYY.REGION", metric.name),
            };
            terms.push(term(metric, name, metric.label.to_string()));
        }
    }
    terms
}

/// Every time series of scopes of `kind`, in layout order.
pub fn series_terms(kind: ScopeKind) -> Vec<Term> {
    (SERIES.iter().filter(|s| s.scope == kind))
        .map(|s| Term {
            name: s.name.to_string(),
            label: s.label.to_string(),
            unit: s.unit,
            headline: false,
            aggregation: s.aggregation,
            definition: s.definition,
            scope: Some(kind),
        })
        .collect()
}

/// What a scope kind's series are kept for, and what names the scope in
/// `timeseries.csv`.
pub fn scope_description(kind: ScopeKind) -> &'static str {
    match kind {
        ScopeKind::World => "the whole world (scope `world`)",
        ScopeKind::Region => {
            "each region where projects, demand curves or the installed base stand (scope \
             `region:<name>`)"
        }
        ScopeKind::Fab => "each fab (scope `fab:<id>`)",
        ScopeKind::Site => "each packaging site (scope `site:<id>`)",
    }
}

/// A delay cause in words, as charts and tables show it.
pub fn cause_label(cause: DelayCause) -> &'static str {
    match cause {
        DelayCause::OnTime => "on time",
        DelayCause::Construction => "construction",
        DelayCause::Grid => "grid connection",
        DelayCause::PowerEquipment => "power equipment",
        DelayCause::Chips => "chips",
        DelayCause::Shipping => "shipping",
        DelayCause::NotLiveByEnd => "not live by the end",
        DelayCause::Withdrawn => "withdrawn",
    }
}

/// What a project outcome with this cause means.
pub fn cause_definition(cause: DelayCause) -> &'static str {
    match cause {
        DelayCause::OnTime => "Live on or before its planned go-live date.",
        DelayCause::Construction => "Late, and the building was the last thing finished.",
        DelayCause::Grid => "Late, and the grid connection came last.",
        DelayCause::PowerEquipment => {
            "Late, and the power equipment (transformers, switchgear, turbines) arrived last."
        }
        DelayCause::Chips => "Late, and the last accelerators were packaged too late.",
        DelayCause::Shipping => {
            "Late, and the last accelerators were packaged in time but spent too long in transit."
        }
        DelayCause::NotLiveByEnd => {
            "Not live by the end of the horizon: its delay is counted up to the end, so it is a \
             lower bound."
        }
        DelayCause::Withdrawn => {
            "Given up: its grid request or its whole order was withdrawn (delay counted as 0)."
        }
    }
}

/// The delay cause of a `share_<label>` column's label.
pub fn cause_of_label(label: &str) -> Option<DelayCause> {
    DelayCause::ALL
        .into_iter()
        .find(|cause| cause.label() == label)
}

/// How every metric is summarised across replications (the same for all of them).
pub const ACROSS_REPLICATIONS: &str = "Every metric has one value per replication (a time \
    series one per period and scope). Across replications, `summary.csv` gives the mean with \
    its 95 % confidence interval (Student t), the standard deviation, the 5th, 50th and 95th \
    percentiles, the minimum and the maximum; `timeseries.csv` gives the mean and the 5th, \
    50th and 95th percentiles per period. `chipsim compare` pairs two runs replication by \
    replication and gives the mean paired difference with its 95 % confidence interval, per \
    metric (`compare.csv`) and per period, scope and series (`compare_timeseries.csv`).";

/// A Markdown table cell: pipes escaped, line breaks removed.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn table(out: &mut String, what_per: &str, terms: &[Term]) {
    out.push_str(&format!(
        "| metric | label | unit | {what_per} | definition |\n| --- | --- | --- | --- | --- |\n"
    ));
    for term in terms {
        let name = if term.headline {
            format!("**`{}`**", term.name)
        } else {
            format!("`{}`", term.name)
        };
        out.push_str(&format!(
            "| {name} | {} | {} | {} | {} |\n",
            cell(&term.label),
            cell(term.unit),
            cell(term.aggregation),
            cell(term.definition)
        ));
    }
}

/// `docs/metrics.md`: every metric, time series and delay cause, generated from the
/// records (`chipsim metrics --markdown`).
pub fn markdown() -> String {
    let mut out = String::from(
        "# Metrics\n\n\
         Generated by `chipsim metrics --markdown` from the metric records in \
         `src/model/metrics.rs`; a test checks that this file is up to date. \
         `chipsim metrics` prints the same table on the terminal.\n\n",
    );
    out.push_str(ACROSS_REPLICATIONS);
    out.push_str("\n\n## Scalar metrics\n\n");
    out.push_str(
        "One value per replication, in `summary.csv` (one row each) and `replications.csv` \
         (one column each). Headline metrics, in **bold**, come first in `summary.csv`, are \
         shown at the end of `chipsim run` and drive `--precision`. In family names `YYYY` \
         is a calendar year of the horizon, `REGION` a region with data centres and `KIND` \
         a shock kind the scenario uses (",
    );
    let kinds: Vec<String> = (ShockKind::ALL.iter())
        .map(|kind| format!("`{}`", kind.label()))
        .collect();
    out.push_str(&kinds.join(", "));
    out.push_str(").\n\n");
    table(&mut out, "one value per replication", &scalar_terms());
    out.push_str("\n## Time series\n\n");
    out.push_str(
        "One value per reporting period per replication, in `timeseries.csv` (one row per \
         period, scope and metric). A total over the period adds up across periods; a \
         snapshot at the period's end does not.\n",
    );
    for kind in ScopeKind::ALL {
        out.push_str(&format!("\n### For {}\n\n", scope_description(kind)));
        table(&mut out, "one value per period", &series_terms(kind));
    }
    out.push_str("\n## Project delays and their causes\n\n");
    out.push_str(
        "`projects.csv` has one row per listed project or demand group (`<demand>/<year>`). \
         A project's delay is the days from its planned go-live to the day it went live; a \
         project on time counts 0. `delay_mean_days`, `delay_p50_days` and \
         `delay_p95_days` are taken over every outcome of the group in every replication. \
         Each outcome has one cause, the constraint satisfied last, and `share_<cause>` is \
         the share of the group's outcomes with that cause:\n\n\
         | column | cause | meaning |\n| --- | --- | --- |\n",
    );
    for cause in DelayCause::ALL {
        out.push_str(&format!(
            "| `share_{}` | {} | {} |\n",
            cause.label(),
            cause_label(cause),
            cell(cause_definition(cause))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_read_back_to_their_records() {
        let energy = scalar("energy_twh_2027").expect("per year");
        assert_eq!(
            (energy.label.as_str(), energy.unit),
            ("Electricity 2027", "TWh")
        );
        let regional = scalar("energy_twh_2027.us_east").expect("per region and year");
        assert_eq!(regional.label, "Electricity 2027, us_east");
        assert!(regional.aggregation.contains("region"));
        let shock = scalar("shock_lane_disruption_days").expect("per shock kind");
        assert_eq!(shock.label, "Shock days: lane disruption");
        let headline = scalar("chips_short").expect("once");
        assert!(headline.headline);
        assert_eq!(
            headline.label_with_unit(),
            "Chips short at their need date (accelerators)"
        );
        assert!(scalar("energy_twh_total").is_some_and(|t| t.label.contains("horizon")));
        for unknown in [
            "energy_twh_20x7",
            "energy_twh_2027.",
            "shock_quake_days",
            "x",
        ] {
            assert!(scalar(unknown).is_none(), "{unknown}");
        }
        assert_eq!(scalar_label("mean_delay"), "mean delay");
    }

    #[test]
    fn series_are_found_by_scope_and_unit() {
        let world = series("chips_delivered", "world", "accelerators").expect("world");
        assert_eq!(world.label, "Chips delivered");
        let region = series("chips_delivered", "region:us_east", "accelerators").expect("region");
        assert_eq!(
            (region.label.as_str(), region.scope),
            ("Chips delivered, us_east", Some(ScopeKind::Region))
        );
        let fab = series("output", "fab:tsmc", "wafers").expect("fab");
        let site = series("output", "site:cowos", "accelerators").expect("site");
        assert_eq!(
            (fab.scope, site.scope),
            (Some(ScopeKind::Fab), Some(ScopeKind::Site))
        );
        assert!(series("output", "world", "wafers").is_none());
    }

    #[test]
    fn every_record_has_a_label_and_an_aggregation() {
        let terms =
            (scalar_terms().into_iter()).chain(ScopeKind::ALL.into_iter().flat_map(series_terms));
        for term in terms {
            assert!(
                !term.label.is_empty() && !term.aggregation.is_empty(),
                "{term:?}"
            );
            assert!(
                term.label.starts_with(|c: char| c.is_uppercase()),
                "{}: a label reads as a title",
                term.name
            );
        }
        let markdown = markdown();
        assert!(markdown.contains("| **`chips_short`** |"));
        assert!(markdown.contains("`share_not_live_by_end`"));
        assert!(markdown.contains("`energy_twh_YYYY.REGION`"));
    }
}
