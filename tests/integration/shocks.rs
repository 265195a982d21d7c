//! Shocks: scheduled and random disruptions hit what they should, when they should,
//! and leave everything else alone.

use chipsim::model::{simulate, TraceRow, World};
use chipsim::scenario;

use crate::golden::{metric, variant};

fn trace(world: &World, seed: u64) -> Vec<TraceRow> {
    simulate(world, seed, true).unwrap().trace.unwrap()
}

/// Chips bind in this variant: built on day 10, connected on day 20, the last of the
/// 1,000 accelerators arrives on day 80 = the planned go-live (2025-03-22).
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
    assert_eq!(
        calm_run.result.projects[0][0].delay_days, 0.0,
        "on time without the shock"
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
    // 10 wafers a week lost for 200 days (29 lots of 10 wafers, days 0..196), plus the
    // 9 pre-filled lots of 10 wafers scrapped at onset.
    let lost = metric(&shocked.world, &run.result.metrics, "fab_wafers_lost");
    assert_eq!(lost, 290.0 + 90.0);
    assert_eq!(
        metric(
            &shocked.world,
            &run.result.metrics,
            "shock_outage_occurrences"
        ),
        1.0
    );
}

#[test]
fn capacity_recovers_as_configured_and_is_whole_after_the_end() {
    // Half the capacity lost on day 14 for 28 days. Lots start every 7 days.
    for (recovery, expected) in [
        // step: 5 wafers on days 14, 21, 28, 35; 10 from day 42.
        ("step", [10.0, 10.0, 5.0, 5.0, 5.0, 5.0, 10.0, 10.0]),
        // linear: 1 - 0.5 × (1 - elapsed/28) = 0.5, 0.625, 0.75, 0.875 of 10 wafers, with
        // the fractions carried to the next lot: 5, 6.25 → 6, 7.5 + 0.25 → 7, 8.75 + 0.75
        // → 9; from day 42 all 10 again.
        ("linear", [10.0, 10.0, 5.0, 6.0, 7.0, 9.0, 10.0, 10.0]),
    ] {
        let shocked = variant(
            &[],
            &format!(
                "[[shocks]]\nid = \"quake\"\nkind = \"outage\"\nregion = \"taiwan\"\ndates = [2025-01-15]\n\
                 duration_days = 28\ncapacity_lost = 0.5\nrecovery = \"{recovery}\"\n"
            ),
        );
        let starts: Vec<f64> = trace(&shocked.world, 3)
            .iter()
            .filter(|row| row.event == "lot_start" && row.day >= 0.0)
            .map(|row| row.quantity)
            .take(8)
            .collect();
        assert_eq!(starts, expected, "{recovery}");
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
                 duration_days = 10\ncapacity_lost = 1.0\nrecovery = \"step\"\n";
    // Three fabs feed one site: lift the inventory cap so no fab idles for lack of demand.
    let uncapped = [(
        "lot_interval_days = 7",
        "lot_interval_days = 7\nmax_inventory_weeks = 520",
    )];
    let shocked = variant(&uncapped, extra);
    let rows = trace(&shocked.world, 5);
    let started_on = |day: f64, fab: &str| {
        rows.iter()
            .any(|r| r.event == "lot_start" && r.day == day && r.agent == fab)
    };
    // Day 28 and 35 fall in the outage: neither Taiwan fab starts a lot; Korea does.
    for day in [28.0, 35.0] {
        assert!(!started_on(day, "fab"), "fab started on day {day}");
        assert!(!started_on(day, "fab_b"), "fab_b started on day {day}");
        assert!(started_on(day, "fab_korea"), "fab_korea idle on day {day}");
    }
    assert!(started_on(42.0, "fab") && started_on(42.0, "fab_b"));
    // The packaging site in Taiwan is hit too: no batch finishes from its day-28 start.
    assert!(!rows
        .iter()
        .any(|r| r.event == "batch_start" && r.day == 28.0));
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
    assert!(calm_rows.len() > 100);
    assert_eq!(calm_rows, shocked_rows);
    // And after it, something does change.
    assert_ne!(trace(&calm.world, 8).len(), 0);
}

#[test]
fn a_closed_lane_holds_cargo_until_it_reopens() {
    // The only lane closes on day 5 for 30 days: nothing arrives between day 8 and 35.
    let shocked = variant(
        &[],
        "[[shocks]]\nid = \"canal\"\nkind = \"lane_disruption\"\nlane = \"air\"\ndates = [2025-01-06]\n\
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
        arrivals.iter().all(|&day| !(8.0..35.0).contains(&day)),
        "{arrivals:?}"
    );
    assert!(
        arrivals.contains(&38.0),
        "parked cargo leaves when the lane reopens (day 35): {arrivals:?}"
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
