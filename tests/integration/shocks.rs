//! Shocks: scheduled and random disruptions hit what they should, when they should,
//! and leave everything else alone.

use chipsim::model::{simulate, TraceRow, World};
use chipsim::scenario;

use crate::golden::{metric, variant};

fn trace(world: &World, seed: u64) -> Vec<TraceRow> {
    simulate(world, seed, true).unwrap().trace.unwrap()
}

/// Chips bind in this variant: built on day 10, connected on day 20, planned go-live on
/// 2025-03-22 (day 80); the buyer orders 59 days ahead, less than the fab's cycle, so the
/// last chips arrive a few days after the plan.
const CHIP_BOUND: [(&str, &str); 4] = [
    ("construction_days = 100", "construction_days = 10"),
    ("study_days = 30", "study_days = 10"),
    ("transformer_lead_days = 60", "transformer_lead_days = 10"),
    (
        "planned_go_live = 2025-03-01",
        "planned_go_live = 2025-03-22",
    ),
];

#[test]
fn a_full_outage_of_the_only_fab_delays_the_project_by_at_least_its_duration() {
    let calm = variant(&CHIP_BOUND, "");
    let calm_run = simulate(&calm.world, 1, false).unwrap();
    let calm_delay = calm_run.result.projects[0][0].delay_days;
    assert!(
        calm_delay <= 14.0,
        "{calm_delay} days late without the shock"
    );
    let duration = 200.0;
    let shocked = variant(
        &CHIP_BOUND,
        "[[shocks]]\nid = \"fire\"\nkind = \"outage\"\nsite = \"fab\"\ndates = [2025-01-01]\n\
         duration_days = 200\ncapacity_lost = 1.0\nrecovery = \"step\"\nwip_scrapped = 1.0\n",
    );
    let run = simulate(&shocked.world, 1, false).unwrap();
    let outcome = run.result.projects[0][0];
    assert!(
        outcome.delay_days >= duration,
        "delay {} < {duration}",
        outcome.delay_days
    );
    assert_eq!(outcome.cause, chipsim::replication::DelayCause::Chips);
    assert!(
        run.conservation.violations().is_empty(),
        "{:?}",
        run.conservation.violations()
    );
    // 10 wafers of capacity lost at each planning tick inside the outage (days 7 to 196:
    // the day-0 plan comes before the fire), plus the 9 pre-filled lots of 10 wafers
    // scrapped at onset.
    let lost = metric(&shocked.world, &run.result.metrics, "fab_wafers_lost");
    assert_eq!(lost, 280.0 + 90.0);
    assert_eq!(
        metric(
            &shocked.world,
            &run.result.metrics,
            "shock_outage_occurrences"
        ),
        1.0
    );
}

/// Per week (weekly reporting): the share of `producer`'s capacity available.
fn weekly_availability(world: &World, producer: &str) -> Vec<f64> {
    let layout = world.layout();
    let index = (layout.series.iter())
        .position(|s| {
            let id = s.scope.split_once(':').map(|(_, id)| id);
            id == Some(producer) && s.metric.name == "capacity_available"
        })
        .unwrap_or_else(|| panic!("no capacity series for {producer}"));
    let run = simulate(world, 3, false).unwrap();
    (0..layout.periods.len())
        .map(|period| run.result.series[period * layout.series.len() + index])
        .collect()
}

#[test]
fn capacity_recovers_as_configured_and_is_whole_after_the_end() {
    // Half the capacity lost on day 14 for 28 days (weeks 2 to 5 of the run).
    for (recovery, expected) in [
        // step: half for four weeks, then whole.
        ("step", [1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0]),
        // linear: 1 − 0.5 × (1 − elapsed/28), averaged over each week: 0.5625, 0.6875,
        // 0.8125, 0.9375; then whole.
        (
            "linear",
            [1.0, 1.0, 0.5625, 0.6875, 0.8125, 0.9375, 1.0, 1.0],
        ),
        // a curve: nothing for a week, then back linearly to whole on day 21 (a
        // half-capacity loss scales it: 0.5 then 0.5 → 1 over the second week).
        (
            "[[0, 0.0], [7, 0.0], [14, 1.0]]",
            [1.0, 1.0, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0],
        ),
    ] {
        let recovery = if recovery.starts_with('[') {
            recovery.to_string()
        } else {
            format!("\"{recovery}\"")
        };
        let duration = if recovery.starts_with('[') {
            String::new()
        } else {
            "duration_days = 28\n".to_string()
        };
        let shocked = variant(
            &[("lot_interval_days = 7", "lot_interval_days = 7\nreport_period = \"week\"")],
            &format!(
                "[[shocks]]\nid = \"quake\"\nkind = \"outage\"\nregion = \"taiwan\"\ndates = [2025-01-15]\n\
                 {duration}capacity_lost = 0.5\nrecovery = {recovery}\n"
            ),
        );
        for producer in ["fab", "pack"] {
            let weeks = weekly_availability(&shocked.world, producer);
            for (week, expected) in expected.iter().enumerate() {
                assert!(
                    (weeks[week] - expected).abs() < 1e-9,
                    "{recovery} at {producer}, week {week}: {} instead of {expected}",
                    weeks[week]
                );
            }
        }
    }
}

#[test]
fn a_regional_shock_hits_every_site_of_the_region_at_once() {
    // A second fab in Taiwan and one in Korea; an earthquake in Taiwan on day 28.
    let extra = "\n[[fabs]]\nid = \"fab_b\"\nregion = \"taiwan\"\nproduct = \"logic\"\nwafer_starts_per_week = 10\n\
                 cycle_time_days = 70\ndies_per_wafer = 10\nyield = 1.0\n\
                 [[fabs]]\nid = \"fab_korea\"\nregion = \"korea\"\nproduct = \"logic\"\nwafer_starts_per_week = 10\n\
                 cycle_time_days = 70\ndies_per_wafer = 10\nyield = 1.0\n\
                 [[lanes]]\nid = \"kr_tw\"\nfrom = \"korea\"\nto = \"taiwan\"\nmode = \"air\"\n\
                 departure_every_days = 1\ncapacity_per_departure = 100000\ntransit_days = 1\n\
                 [[shocks]]\nid = \"quake\"\nkind = \"outage\"\nregion = \"taiwan\"\ndates = [2025-01-29]\n\
                 duration_days = 14\ncapacity_lost = 1.0\nrecovery = \"step\"\n";
    let weekly = [(
        "lot_interval_days = 7",
        "lot_interval_days = 7\nreport_period = \"week\"",
    )];
    let shocked = variant(&weekly, extra);
    // Weeks 4 and 5 (days 28 to 41) fall in the outage: every Taiwan site stops, Korea
    // does not.
    for producer in ["fab", "fab_b", "pack"] {
        let weeks = weekly_availability(&shocked.world, producer);
        assert_eq!(weeks[3..7], [1.0, 0.0, 0.0, 1.0], "{producer}");
    }
    assert!(weekly_availability(&shocked.world, "fab_korea")
        .iter()
        .all(|&a| a == 1.0));
}

#[test]
fn occurrences_follow_the_poisson_rate() {
    // 2 per year over the 2-year golden horizon (730 days): mean 2 × 730 / 365.25.
    let shocked = variant(
        &[],
        "[[shocks]]\nid = \"fires\"\nkind = \"outage\"\nsite = \"fab\"\nrate_per_year = 2\n\
         duration_days = 5\ncapacity_lost = 0.1\n",
    );
    let replications = 2_000;
    let counts: Vec<f64> = (0..replications)
        .map(|r| {
            let seed = chipsim::random::replication_seed(99, r);
            let run = simulate(&shocked.world, seed, false).unwrap();
            metric(
                &shocked.world,
                &run.result.metrics,
                "shock_outage_occurrences",
            )
        })
        .collect();
    let expected = 2.0 * 730.0 / 365.25;
    let mean = counts.iter().sum::<f64>() / replications as f64;
    let variance =
        counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (replications - 1) as f64;
    // 99.9 % interval for the mean (z = 3.29), with the Poisson variance = mean.
    let half_width = 3.29 * (expected / replications as f64).sqrt();
    assert!(
        (mean - expected).abs() < half_width,
        "mean {mean} vs {expected} ± {half_width}"
    );
    // Poisson: variance equals the mean (within 15 % at n = 2,000).
    assert!(
        (variance / mean - 1.0).abs() < 0.15,
        "variance {variance} vs mean {mean}"
    );
}

#[test]
fn adding_a_shock_leaves_every_draw_before_it_unchanged() {
    let random = [
        (
            "cycle_time_days = 70",
            "cycle_time_days = { lognormal = { median = 70, p90 = 90 } }",
        ),
        (
            "transit_days = 3",
            "transit_days = { triangular = { min = 2, mode = 3, max = 6 } }",
        ),
        (
            "study_days = 30",
            "study_days = { uniform = { min = 20, max = 40 } }",
        ),
    ];
    let calm = variant(&random, "");
    let shocked = variant(
        &random,
        "[[shocks]]\nid = \"closure\"\nkind = \"lane_disruption\"\nlane = \"air\"\ndates = [2025-06-01]\n\
         duration_days = 6\n",
    );
    let shock_day = 151.0;
    let before = |rows: Vec<TraceRow>| -> Vec<String> {
        rows.into_iter()
            .filter(|r| r.day < shock_day)
            .map(|r| format!("{r:?}"))
            .collect()
    };
    let (calm_rows, shocked_rows) = (
        before(trace(&calm.world, 8)),
        before(trace(&shocked.world, 8)),
    );
    assert!(
        calm_rows.len() > 50,
        "{} events before the shock",
        calm_rows.len()
    );
    assert_eq!(calm_rows, shocked_rows);
    // And after it, something does change.
    assert_ne!(trace(&calm.world, 8).len(), 0);
}

#[test]
fn a_closed_lane_holds_cargo_until_it_reopens() {
    // The only lane closes on day 90 for 30 days, just before the chips may ship (day
    // 94): nothing arrives between day 93 and 120, and the parked chips leave on the
    // day it reopens and arrive 3 days later.
    let shocked = variant(
        &[],
        "[[shocks]]\nid = \"canal\"\nkind = \"lane_disruption\"\nlane = \"air\"\ndates = [2025-04-01]\n\
         duration_days = 30\n",
    );
    let run = simulate(&shocked.world, 2, true).unwrap();
    let arrivals: Vec<f64> = run
        .trace
        .unwrap()
        .iter()
        .filter(|r| r.event == "shipment_arrived")
        .map(|r| r.day)
        .collect();
    assert!(
        arrivals.iter().all(|&day| !(93.0..120.0).contains(&day)),
        "{arrivals:?}"
    );
    assert!(
        arrivals.contains(&123.0),
        "parked cargo leaves when the lane reopens (day 120): {arrivals:?}"
    );
    assert!(
        run.conservation.violations().is_empty(),
        "{:?}",
        run.conservation.violations()
    );
}

#[test]
fn shock_fields_that_do_not_apply_are_errors() {
    let text = std::fs::read_to_string("tests/scenarios/golden.toml").unwrap()
        + "[[shocks]]\nid = \"x\"\nkind = \"grid_moratorium\"\nregion = \"us_west\"\ndates = [2025-02-01]\n\
           duration_days = 10\ncapacity_lost = 0.5\n";
    let error = scenario::parse(&text, "bad.toml").unwrap_err().to_string();
    assert!(
        error.contains("shocks.x.capacity_lost: does not apply to a grid_moratorium shock"),
        "{error}"
    );
}
