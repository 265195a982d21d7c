//! The glossary: every metric a shipped scenario reports (scalar or time series, every
//! instance of every family) is found in it with a label and a unit that agree with the
//! outputs; `docs/metrics.md` is what `chipsim metrics --markdown` prints; `chipsim
//! metrics` looks names up and refuses unknown ones.

use std::path::Path;

use chipsim::glossary;
use chipsim::replication::Replicator as _;

use crate::support::chipsim;

#[test]
fn every_metric_of_every_shipped_scenario_is_in_the_glossary() {
    let mut scenarios = vec![chipsim::scenario::baseline().expect("baseline")];
    let mut files: Vec<_> = std::fs::read_dir("configs/scenarios")
        .expect("configs/scenarios")
        .map(|entry| entry.expect("entry").path())
        .collect();
    files.sort();
    for file in files {
        scenarios.push(chipsim::scenario::load(&file).expect("a shipped scenario loads"));
    }
    let mut families = std::collections::BTreeSet::new();
    for scenario in scenarios {
        let model = chipsim::model::ScenarioModel::new(scenario.world);
        let layout = model.layout();
        for metric in &layout.metrics {
            let term = glossary::scalar(&metric.name).unwrap_or_else(|| {
                panic!(
                    "{}: {} is not in the glossary",
                    layout.scenario, metric.name
                )
            });
            assert_eq!(term.unit, metric.unit, "{}", metric.name);
            assert_eq!(term.headline, metric.headline, "{}", metric.name);
            families.insert(
                term.label
                    .split([' ', ':', ','])
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        for series in &layout.series {
            let metric = &series.metric;
            let term =
                glossary::series(&metric.name, &series.scope, &metric.unit).unwrap_or_else(|| {
                    panic!("{} of {} is not in the glossary", metric.name, series.scope)
                });
            assert_eq!(
                term.unit, metric.unit,
                "{} of {}",
                metric.name, series.scope
            );
        }
    }
    assert!(
        families.contains("Shock"),
        "a shipped scenario has shocks: {families:?}"
    );
}

#[test]
fn docs_metrics_md_is_what_the_generator_prints() {
    let committed = std::fs::read_to_string("docs/metrics.md").unwrap_or_default();
    assert!(
        committed == glossary::markdown(),
        "docs/metrics.md is stale: run `cargo run -- metrics --markdown > docs/metrics.md`"
    );
}

#[test]
fn metrics_prints_the_glossary_and_looks_names_up() {
    let here = Path::new(".");
    let all = chipsim(&["metrics"], here);
    assert!(all.status.success());
    let text = String::from_utf8_lossy(&all.stdout);
    for expected in [
        "grid_wait_mean_days",
        "mean over the grid requests",
        "chips_short*",
        "energy_twh_YYYY.REGION",
        "Time series for each fab",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    let one = chipsim(&["metrics", "energy_twh_2027.us_east", "backlog"], here);
    let text = String::from_utf8_lossy(&one.stdout);
    assert!(one.status.success());
    assert!(
        text.contains("Electricity 2027, us_east") && text.contains("Order backlog"),
        "{text}"
    );
    let unknown = chipsim(&["metrics", "chips_shrot"], here);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no metric is named `chips_shrot`"));
}
