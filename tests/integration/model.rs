//! The supply-chain model on small scenarios whose outcome is computed by hand.

use chipsim::model::simulate;
use chipsim::replication::DelayCause;
use chipsim::scenario;

use crate::golden::{metric, variant};

fn variant_of(replacements: &[(&str, &str)]) -> chipsim::scenario::Scenario {
    variant(replacements, "")
}

fn golden() -> chipsim::scenario::Scenario {
    variant(&[], "")
}

/// One fab (10 wafers/week × 10 dies, yield 1, cycle 70 d), one packaging site
/// (100/week, 1 die each, cycle 14 d), one air lane (daily, 3 d), one project of
/// 1,000 accelerators (1 MW at 1 kW) in us_west, planned to go live on 2025-03-01
/// (day 59), built on day 100, grid study 30 d + transformer 60 d; no warm-up.
///
/// - The buyer orders on day 0: its need date less `order_lead_days` (59).
/// - Grid: requested day 0, studied day 30, granted at once, connected day 90.
/// - The building's finish (day 100) becomes known on day 10, 90 days ahead: the need
///   date moves to day 100, and the order may ship from day 94 (3 days' transit, a
///   day's departure interval and 2 days' handling before it).
/// - The planner paces packaging (100 a week at most) to be ready for day 94: 962
///   accelerators are allocated on day 94 and arrive on day 97; the last 38 are
///   finished on day 98 and arrive on day 101.
/// - Chips short against the need date: 38; accelerator-days late: 38 × 1 = 38.
/// - Mean order-to-delivery lead time: (962 × 97 + 38 × 101) / 1000 = 97.152 days.
/// - Live on day 101, when the last chips arrive: delay 42 days. They were finished
///   (day 98) before the building was ready (day 100) but arrived after it: shipping.
/// - Energy: 1,000 kW from day 101 to the end of 2025 (264 days) = 0.006336 TWh;
///   all of 2026 = 0.00876 TWh.
#[test]
fn golden_scenario_matches_the_hand_computation() {
    let scenario = golden();
    let world = &scenario.world;
    let run = simulate(world, 1, false).unwrap();
    let values = &run.result.metrics;
    assert_eq!(metric(world, values, "chips_demanded"), 1000.0);
    assert_eq!(metric(world, values, "chips_delivered"), 1000.0);
    assert_eq!(metric(world, values, "chips_short"), 38.0);
    assert_eq!(metric(world, values, "chip_days_short"), 38.0);
    assert!((metric(world, values, "order_lead_time_mean_days") - 97.152).abs() < 1e-9);
    assert_eq!(metric(world, values, "projects_delayed"), 1.0);
    assert_eq!(metric(world, values, "project_delay_mean_days"), 42.0);
    assert_eq!(metric(world, values, "grid_wait_mean_days"), 90.0);
    assert!((metric(world, values, "energy_twh_2025") - 0.006336).abs() < 1e-12);
    assert!((metric(world, values, "energy_twh_2026") - 0.00876).abs() < 1e-12);
    assert!((metric(world, values, "energy_twh_2026.us_west") - 0.00876).abs() < 1e-12);
    assert_eq!(metric(world, values, "mw_live_end"), 1.0);
    let outcome = run.result.projects[0][0];
    assert_eq!(outcome.cause, DelayCause::Shipping);
    assert_eq!(outcome.delay_days, 42.0);
    assert!(
        run.conservation.violations().is_empty(),
        "{:?}",
        run.conservation.violations()
    );
}

fn outcome_of(scenario: &chipsim::scenario::Scenario) -> chipsim::replication::ProjectOutcome {
    let run = simulate(&scenario.world, 7, false).unwrap();
    assert!(
        run.conservation.violations().is_empty(),
        "{:?}",
        run.conservation.violations()
    );
    run.result.projects[0][0]
}

#[test]
fn each_constraint_in_turn_is_blamed_when_it_binds() {
    // Built quickly (day 10) and connected on day 90: the grid binds (delay 31 days).
    let grid = variant_of(&[("construction_days = 100", "construction_days = 10")]);
    let outcome = outcome_of(&grid);
    assert_eq!(outcome.cause, DelayCause::Grid);
    assert_eq!(outcome.delay_days, 31.0);

    // Built and connected by day 40 (study 10, transformer 20), but only 50
    // accelerators a week are finished: chips bind.
    let chips = variant_of(&[
        ("construction_days = 100", "construction_days = 10"),
        ("study_days = 30", "study_days = 10"),
        ("transformer_lead_days = 60", "transformer_lead_days = 20"),
        ("accelerators_per_week = 100", "accelerators_per_week = 50"),
    ]);
    assert_eq!(outcome_of(&chips).cause, DelayCause::Chips);

    // Everything ready, but the lane takes 200 days: shipping binds. The last
    // accelerator is finished on day 77, so it was ready before the building (day 100)
    // yet arrives on day 277.
    let shipping = variant_of(&[("transit_days = 3", "transit_days = 200")]);
    let outcome = outcome_of(&shipping);
    assert_eq!(outcome.cause, DelayCause::Shipping);
    assert_eq!(outcome.delay_days, 277.0 - 59.0);

    // Nothing binds when the plan leaves room: go-live on 2025-06-30 (day 180).
    let on_time = variant_of(&[(
        "planned_go_live = 2025-03-01",
        "planned_go_live = 2025-06-30",
    )]);
    let outcome = outcome_of(&on_time);
    assert_eq!(outcome.cause, DelayCause::OnTime);
    assert_eq!(outcome.delay_days, 0.0);

    // A grid region with no spare capacity never connects: not live by the end, and
    // the delay runs to the horizon (2026-12-31 is day 729; 730 - 59 = 671).
    let never = variant_of(&[("spare_mw = 1000", "spare_mw = 0")]);
    let outcome = outcome_of(&never);
    assert_eq!(outcome.cause, DelayCause::NotLiveByEnd);
    assert_eq!(outcome.delay_days, 671.0);
}

/// de Vries (Joule, 2023): 1.5 million servers at 6.5 kW (10.2 kW) running all year
/// at full utilisation and PUE 1 draw 1.5e6 × 6.5 kW × 8,760 h = 85.4 TWh (134.0 TWh).
#[test]
fn energy_of_a_known_fleet_matches_de_vries() {
    for (kw, expected_twh) in [(6.5, 85.41), (10.2, 134.03)] {
        let text = format!(
            "name = \"de_vries\"\nstart = 2027-01-01\nend = 2027-12-31\nworld_electricity_twh = 27000\n\
             [power]\npue = 1.0\nutilisation = 1.0\n\
             [[installed_base]]\nregion = \"world\"\naccelerators = 1500000\nkw_per_accelerator = {kw}\n"
        );
        let scenario = scenario::parse(&text, "de_vries.toml").unwrap();
        let run = simulate(&scenario.world, 1, false).unwrap();
        let twh = metric(&scenario.world, &run.result.metrics, "energy_twh_2027");
        assert!(
            (twh - expected_twh).abs() / expected_twh < 1e-3,
            "{kw} kW: {twh} TWh"
        );
        let share = metric(
            &scenario.world,
            &run.result.metrics,
            "energy_share_world_2027",
        );
        assert!((share - 100.0 * twh / 27000.0).abs() < 1e-9);
    }
}

#[test]
fn same_seed_same_result_and_a_different_seed_differs() {
    let scenario = variant_of(&[
        (
            "cycle_time_days = 70",
            "cycle_time_days = { lognormal = { median = 70, p90 = 90 } }",
        ),
        (
            "transit_days = 3",
            "transit_days = { triangular = { min = 2, mode = 3, max = 6 } }",
        ),
    ]);
    let a = simulate(&scenario.world, 11, false).unwrap().result;
    let b = simulate(&scenario.world, 11, false).unwrap().result;
    let c = simulate(&scenario.world, 12, false).unwrap().result;
    // Debug text compares NaN (a period with no deliveries) as equal to itself.
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_ne!(a.metrics, c.metrics);
}

mod conservation {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Whatever the capacities, cycle times, lane and grid: dies and accelerators
        /// are conserved, and every MW asked is connected or waiting.
        #[test]
        fn stocks_and_flows_balance(
            wafers in 0u32..50,
            dies in 1u32..20,
            yield_mean in 0.2f64..0.95,
            capacity in 0u32..400,
            bill in 1u32..4,
            cycle in 1u32..200,
            departure in 1u32..15,
            lane_capacity in 1u32..500,
            spare in 0u32..3,
            seed in any::<u64>(),
        ) {
            let scenario = variant_of(&[
                ("wafer_starts_per_week = 10", &format!("wafer_starts_per_week = {wafers}")),
                ("dies_per_wafer = 10", &format!("dies_per_wafer = {dies}")),
                ("yield = 1.0", &format!("yield = {{ beta = {{ mean = {yield_mean}, sd = 0.05 }} }}")),
                ("accelerators_per_week = 100", &format!("accelerators_per_week = {capacity}")),
                ("{ logic = 1 }", &format!("{{ logic = {bill} }}")),
                ("cycle_time_days = 70", &format!("cycle_time_days = {{ exponential = {{ mean = {cycle} }} }}")),
                ("departure_every_days = 1", &format!("departure_every_days = {departure}")),
                ("capacity_per_departure = 1000", &format!("capacity_per_departure = {lane_capacity}")),
                ("spare_mw = 1000", &format!("spare_mw = {spare}")),
            ]);
            let run = simulate(&scenario.world, seed, false).unwrap();
            prop_assert!(run.conservation.violations().is_empty(), "{:?}", run.conservation.violations());
            let delivered = metric(&scenario.world, &run.result.metrics, "chips_delivered");
            prop_assert!(delivered <= 1000.0);
        }
    }
}

#[test]
fn production_follows_orders_instead_of_capacity() {
    // The golden site could build 100 a week for two years (over 10,000), but only 1,000
    // are ever ordered: the planner starts what the order book and its forecast ask
    // for, with a few weeks of cover, and then stops.
    let scenario = golden();
    let run = simulate(&scenario.world, 1, false).unwrap();
    let built = metric(&scenario.world, &run.result.metrics, "accelerators_built");
    assert!(
        (1000.0..=1000.0 + 2.0 * 100.0).contains(&built),
        "built {built}"
    );
}

/// Every shipped scenario loads, and stocks and flows balance in every replication.
#[test]
fn shipped_scenarios_conserve_dies_accelerators_and_megawatts() {
    let mut files = vec![std::path::PathBuf::from("configs/baseline.toml")];
    for folder in ["configs/scenarios", "configs/validation"] {
        if let Ok(entries) = std::fs::read_dir(folder) {
            files.extend(
                entries
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml")),
            );
        }
    }
    files.sort();
    assert!(files.len() >= 9, "{files:?}");
    for file in files {
        let scenario = scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let replications = if file.ends_with("baseline.toml") {
            20
        } else {
            2
        };
        for replication in 0..replications {
            let seed = chipsim::random::replication_seed(1, replication);
            let run = simulate(&scenario.world, seed, false).unwrap();
            let problems = run.conservation.violations();
            assert!(
                problems.is_empty(),
                "{} replication {replication}: {problems:?}",
                file.display()
            );
        }
    }
}

#[test]
fn every_shipped_world_names_each_series_once() {
    // A region called "world" (the de Vries checks) once collided with the world scope.
    let mut files = vec![std::path::PathBuf::from("configs/baseline.toml")];
    for folder in ["configs/scenarios", "configs/validation"] {
        for entry in std::fs::read_dir(folder).expect("a config folder") {
            files.push(entry.expect("an entry").path());
        }
    }
    for file in files {
        let scenario = chipsim::scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        let layout = scenario.world.layout();
        let mut seen = std::collections::HashSet::new();
        for series in &layout.series {
            assert!(
                seen.insert((series.scope.clone(), series.metric.name.clone())),
                "{}: series {} of scope {} twice",
                file.display(),
                series.metric.name,
                series.scope
            );
        }
    }
}
