//! The kernel reproduces queueing theory: each estimate lies within its 99 % confidence
//! interval (batch means, Student t with 19 degrees of freedom) of the closed form.
//! Seeds are fixed, so the outcome is deterministic; the runs are smaller than the
//! benchmark's so the suite stays quick.

use chipsim::queueing::{LineParameters, Service, BATCHES};
use proptest::prelude::*;

fn line(
    stations: u32,
    servers: u32,
    lambda: f64,
    service: Service,
    customers: u64,
) -> LineParameters {
    LineParameters {
        stations,
        servers,
        lambda,
        mu: 1.0,
        customers,
        warmup: customers / 20,
        seed: 20_261_130,
        service,
    }
}

fn assert_within_99(label: &str, estimate: &chipsim::stats::Moments, exact: f64) {
    assert_eq!(
        estimate.count() as usize,
        BATCHES,
        "{label}: every batch filled"
    );
    let half_width = estimate.ci_half_width(0.99);
    let error = (estimate.mean() - exact).abs();
    assert!(
        error <= half_width,
        "{label}: estimate {:.5} ± {half_width:.5} (99 %) misses exact {exact:.5}",
        estimate.mean()
    );
    // A CI that is too wide to mean anything would pass trivially: keep it under 10 %.
    assert!(
        half_width < 0.1 * exact,
        "{label}: CI half-width {half_width} too wide"
    );
}

#[test]
fn mm1_matches_erlang_c_at_moderate_and_heavy_load() {
    for (rho, customers) in [(0.5, 200_000), (0.9, 1_000_000)] {
        let parameters = line(1, 1, rho, Service::Exponential, customers);
        let report = parameters.simulate().unwrap();
        // M/M/1: Wq = rho / (mu - lambda).
        let exact = rho / (1.0 - rho);
        assert!((parameters.exact_wait_in_queue().unwrap() - exact).abs() < 1e-12);
        assert_within_99(&format!("M/M/1 rho={rho}"), &report.wait_in_queue, exact);
    }
}

#[test]
fn mmc_matches_erlang_c_for_several_server_counts() {
    for (servers, rho, customers) in [(2, 0.8, 400_000), (5, 0.85, 600_000), (10, 0.9, 1_500_000)] {
        let lambda = rho * f64::from(servers);
        let parameters = line(1, servers, lambda, Service::Exponential, customers);
        let exact = parameters.exact_wait_in_queue().unwrap();
        let report = parameters.simulate().unwrap();
        assert_within_99(
            &format!("M/M/{servers} rho={rho}"),
            &report.wait_in_queue,
            exact,
        );
    }
}

#[test]
fn erlang_c_worked_example() {
    // queueing.md: lambda = 9, mu = 1, c = 10 gives C ≈ 0.6687 and Wq ≈ 0.6687.
    let exact = chipsim::queueing::mmc_wait_in_queue(9.0, 1.0, 10).unwrap();
    assert!((exact - 0.6687).abs() < 5e-5, "{exact}");
    assert_eq!(chipsim::queueing::mmc_wait_in_queue(10.0, 1.0, 10), None);
}

#[test]
fn md1_has_half_the_mm1_wait() {
    let parameters = line(1, 1, 0.8, Service::Deterministic, 400_000);
    let exact = parameters.exact_wait_in_queue().unwrap();
    // Pollaczek–Khinchine with deterministic service halves M/M/1's 0.8 / 0.2 = 4.
    assert!((exact - 2.0).abs() < 1e-12);
    let report = parameters.simulate().unwrap();
    assert_within_99("M/D/1 rho=0.8", &report.wait_in_queue, exact);
}

#[test]
fn tandem_line_matches_jackson() {
    // queueing.md: 4 stations, c = 4, mu = 1, lambda = 3.2 (rho = 0.8 each).
    let parameters = line(4, 4, 3.2, Service::Exponential, 300_000);
    let exact = parameters.exact_sojourn().unwrap();
    let report = parameters.simulate().unwrap();
    assert_within_99("tandem 4 x M/M/4", &report.sojourn, exact);
    assert_eq!(
        report.events,
        5 * 300_000,
        "one arrival and four departures per customer"
    );
}

#[test]
fn same_seed_same_numbers() {
    let parameters = line(2, 3, 2.0, Service::Exponential, 20_000);
    let (a, b) = (
        parameters.simulate().unwrap(),
        parameters.simulate().unwrap(),
    );
    assert_eq!(a.wait_in_queue, b.wait_in_queue);
    assert_eq!(a.sojourn, b.sojourn);
    assert_eq!(a.events, b.events);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// The kernel and a plain `BinaryHeap` loop of the same line pop events in the same
    /// (time, insertion) order, so they report the same numbers to the bit.
    #[test]
    fn the_kernel_follows_the_plain_heap_trajectory(
        stations in 1u32..4,
        servers in 1u32..12,
        load in 0.1f64..0.95,
        customers in 1u64..3_000,
        deterministic in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let parameters = LineParameters {
            stations, servers, lambda: load * f64::from(servers), mu: 1.0, customers,
            warmup: customers / 10, seed,
            service: if deterministic { Service::Deterministic } else { Service::Exponential },
        };
        prop_assert_eq!(parameters.simulate().unwrap(), parameters.simulate_on_binary_heap().unwrap());
    }

    /// Conservation at any horizon: arrivals = departures + in system, and the customers
    /// in the system are exactly those queued or in service.
    #[test]
    fn customers_are_conserved(
        stations in 1u32..4,
        servers in 1u32..4,
        load in 0.1f64..1.5,
        customers in 1u64..2_000,
        horizon in 0.0f64..500.0,
        seed in any::<u64>(),
    ) {
        let parameters = LineParameters {
            stations, servers, lambda: load * f64::from(servers), mu: 1.0, customers,
            warmup: 0, seed, service: Service::Exponential,
        };
        let report = parameters.simulate_until(horizon).unwrap();
        prop_assert!(report.arrivals <= customers);
        prop_assert_eq!(report.arrivals, report.departures + report.in_system);
        prop_assert_eq!(report.in_system, report.queued_or_in_service);
        prop_assert!(report.events >= report.arrivals + report.departures);
    }
}
