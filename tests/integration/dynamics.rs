//! Supply-side dynamics a planner can check: the warm start does not depend on when a
//! run starts, outages stop work in process and output follows the recovery curve, a
//! regional shock hits its sites alike, and production does not zig-zag.

use chipsim::model::{ScenarioModel, World};
use chipsim::replication::{OutputLayout, ReplicationResult, Replicator};
use chipsim::runner::{run_in_order, RunControl};
use chipsim::scenario;
use chipsim::stats::Moments;

/// The calm world of tests/scenarios/warm.toml, with each `(from, to)` replaced once
/// and `extra` appended.
pub fn warm(replacements: &[(&str, &str)], extra: &str) -> World {
    let mut text = std::fs::read_to_string("tests/scenarios/warm.toml").expect("warm.toml");
    for (from, to) in replacements {
        assert!(text.contains(from), "warm.toml has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    text.push_str(extra);
    scenario::parse(&text, "warm.toml")
        .unwrap_or_else(|e| panic!("{e}"))
        .world
}

/// `replications` replications of `world` from base seed 1.
pub fn run(world: World, replications: u64) -> (OutputLayout, Vec<ReplicationResult>) {
    let model = ScenarioModel::new(world);
    let mut results = Vec::new();
    run_in_order(
        &model,
        replications,
        1,
        2,
        &RunControl::default(),
        &mut |_, _, r| {
            results.push(r.clone());
            Ok(())
        },
    )
    .expect("the runs succeed");
    (model.layout().clone(), results)
}

/// Per period: the moments over replications of series `name` of `scope`.
pub fn series(
    layout: &OutputLayout,
    results: &[ReplicationResult],
    scope: &str,
    name: &str,
) -> Vec<Moments> {
    let index = (layout.series.iter())
        .position(|s| s.scope == scope && s.metric.name == name)
        .unwrap_or_else(|| panic!("no series {name} of scope {scope}"));
    let per_period = layout.series.len();
    (0..layout.periods.len())
        .map(|period| {
            let mut moments = Moments::default();
            for result in results {
                let value = result.series[period * per_period + index];
                if !value.is_nan() {
                    moments.push(value);
                }
            }
            moments
        })
        .collect()
}

/// The index of the period that starts on `date`.
fn period_starting(layout: &OutputLayout, date: &str) -> usize {
    let date: chrono::NaiveDate = date.parse().expect("a date");
    (layout.periods.iter())
        .position(|p| p.start == date)
        .unwrap_or_else(|| panic!("no period starts on {date}"))
}

#[test]
fn a_run_started_a_year_earlier_opens_2025_in_the_same_state() {
    // Both worlds are flat in time, so they are the same world on every calendar day;
    // only where the run starts differs (2025 after a warm-up, or 2024).
    let late = run(warm(&[], ""), 200);
    let early = run(
        warm(
            &[
                ("start = 2025-01-01", "start = 2024-01-01"),
                ("first_year = 2025", "first_year = 2024"),
            ],
            "",
        ),
        200,
    );
    for quarter in ["2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01"] {
        let (a, b) = (
            period_starting(&late.0, quarter),
            period_starting(&early.0, quarter),
        );
        for name in ["chips_delivered", "backlog", "chip_days_short"] {
            let x = &series(&late.0, &late.1, "world", name)[a];
            let y = &series(&early.0, &early.1, "world", name)[b];
            let difference = (x.mean() - y.mean()).abs();
            // Within 5 %, or (for a noisy shortage) not distinguishable at 95 %.
            let noise = chipsim::stats::welch_half_width_95(x, y);
            assert!(
                difference <= 0.05 * x.mean().abs().max(y.mean().abs()) || difference <= noise,
                "{name} in {quarter}: {} vs {} (95 % half-width {noise})",
                x.mean(),
                y.mean()
            );
        }
    }
}

/// The calm world made daily and weekly, with one outage of the fab on 2025-07-02 (the
/// start of a reporting week) recovering along `curve`.
fn struck_fab(curve: &str) -> (OutputLayout, Vec<ReplicationResult>) {
    let shock = format!(
        "[[shocks]]\nid = \"strike\"\nkind = \"outage\"\nsite = \"logic_fab\"\n\
         dates = [2025-07-02]\ncapacity_lost = 1.0\nrecovery = {curve}\nwip_scrapped = 0.0\n"
    );
    let world = warm(
        &[(
            "lot_interval_days = 7",
            "lot_interval_days = 1\nreport_period = \"week\"",
        )],
        &shock,
    );
    run(world, 40)
}

/// The fab's mean completed wafers per day in the weeks of `layout`, from `first` on.
fn daily_output(layout: &OutputLayout, results: &[ReplicationResult]) -> Vec<f64> {
    series(layout, results, "fab:logic_fab", "output")
        .iter()
        .map(|m| m.mean() / 7.0)
        .collect()
}

#[test]
fn the_chi_chi_curve_stops_a_fab_and_brings_it_back_within_two_weeks() {
    // Chi-Chi, 1999: TSMC's output 20 % of normal on day 5, 90 % on day 8 (docs/sources.md,
    // chi-chi-recovery).
    let (layout, results) = struck_fab("[[0, 0.0], [5, 0.2], [8, 0.9], [30, 1.0]]");
    let onset = period_starting(&layout, "2025-07-02");
    let output = daily_output(&layout, &results);
    let before: f64 = output[onset - 4..onset].iter().sum::<f64>() / 4.0;
    assert!(before > 0.0);
    // The week of the quake (days 0-6) does ∫ availability ≈ 1.9 days of work.
    assert!(
        output[onset] <= 0.30 * before,
        "week of onset: {} a day against {before} before",
        output[onset]
    );
    // Days 7-13: availability 0.9 and above.
    assert!(
        output[onset + 1] >= 0.85 * before,
        "second week: {} a day against {before} before",
        output[onset + 1]
    );
    let available = series(&layout, &results, "fab:logic_fab", "capacity_available");
    assert!(available[onset].mean() < 0.35);
    assert!((available[onset + 6].mean() - 1.0).abs() < 1e-9);
}

#[test]
fn a_naka_scale_fire_stops_output_until_day_29_and_restores_it_by_day_120() {
    // Renesas Naka, 2021: restart on day 29, full capacity by day 97, shipments normal by
    // about day 120 (docs/sources.md, naka-fire-recovery).
    let (layout, results) = struck_fab("[[0, 0.0], [29, 0.0], [97, 1.0]]");
    let onset = period_starting(&layout, "2025-07-02");
    let output = daily_output(&layout, &results);
    let before: f64 = output[onset - 4..onset].iter().sum::<f64>() / 4.0;
    // Weeks 0-3 (days 0-27): nothing leaves the fab.
    for week in 0..4 {
        assert!(
            output[onset + week] <= 0.01 * before,
            "week {week}: {} a day",
            output[onset + week]
        );
    }
    // Week 17 (days 119-125): back to at least 95 %.
    assert!(
        output[onset + 17] >= 0.95 * before,
        "week 17: {} a day against {before} before",
        output[onset + 17]
    );
}

#[test]
fn a_regional_shock_hits_every_site_of_the_region_alike() {
    let second_fab = "\n[[fabs]]\nid = \"logic_fab_2\"\nregion = \"taiwan\"\nproduct = \"logic\"\n\
        wafer_starts_per_week = 100\ncycle_time_days = 100\ndies_per_wafer = 60\nyield = 0.7\n";
    let quake = "\n[[shocks]]\nid = \"quake\"\nkind = \"outage\"\nregion = \"taiwan\"\n\
        dates = [2025-07-02]\nduration_days = 14\ncapacity_lost = { uniform = { min = 0.2, max = 1.0 } }\n\
        recovery = \"step\"\n";
    let world = warm(
        &[(
            "lot_interval_days = 7",
            "lot_interval_days = 7\nreport_period = \"week\"",
        )],
        &format!("{second_fab}{quake}"),
    );
    let (layout, results) = run(world, 20);
    let onset = period_starting(&layout, "2025-07-02");
    let index = |scope: &str| {
        (layout.series.iter())
            .position(|s| s.scope == scope && s.metric.name == "capacity_available")
            .expect("a capacity series")
    };
    let per_period = layout.series.len();
    let mut severities = Vec::new();
    for result in &results {
        let cell = |scope| result.series[onset * per_period + index(scope)];
        let shares = [
            cell("fab:logic_fab"),
            cell("fab:logic_fab_2"),
            cell("site:cowos"),
        ];
        assert!(
            shares.iter().all(|&s| (s - shares[0]).abs() < 1e-9),
            "one severity for the region: {shares:?}"
        );
        severities.push(shares[0]);
    }
    // ...but a different one in each replication.
    severities.sort_by(f64::total_cmp);
    severities.dedup();
    assert!(severities.len() > 10);
}

#[test]
fn wafer_starts_follow_smooth_demand_without_zig_zagging() {
    // A world with spare capacity and demand growing smoothly (demand surges at year
    // boundaries excluded by comparing quarters within a year).
    let world = warm(
        &[
            ("growth_per_year = 0", "growth_per_year = 0.2"),
            ("end = 2026-12-31", "end = 2028-12-31"),
        ],
        "",
    );
    let (layout, results) = run(world, 50);
    let starts = series(&layout, &results, "world", "wafer_starts");
    let mut medians = Vec::new();
    for period in 0..layout.periods.len() {
        let mut values: Vec<f64> = (results.iter())
            .map(|r| r.series[period * layout.series.len() + index_of(&layout, "wafer_starts")])
            .collect();
        values.sort_by(f64::total_cmp);
        medians.push(chipsim::stats::quantile_sorted(&values, 0.5));
    }
    assert!(starts.iter().all(|m| m.mean() > 0.0));
    // Every quarter-on-quarter step inside a year (the last year's end effects left out).
    for period in 1..layout.periods.len() - 4 {
        if layout.periods[period].start.format("%m").to_string() == "01" {
            continue;
        }
        let change = (medians[period] - medians[period - 1]).abs() / medians[period - 1];
        assert!(
            change <= 0.25,
            "median wafer starts {} -> {} in {}",
            medians[period - 1],
            medians[period],
            layout.periods[period].start
        );
    }
}

fn index_of(layout: &OutputLayout, name: &str) -> usize {
    (layout.series.iter())
        .position(|s| s.scope == "world" && s.metric.name == name)
        .expect("a world series")
}
