//! The ceilings a scenario must stay under beyond each field's own range: counts the
//! model works out from ratios of fields (accelerators from MW and kW per accelerator,
//! projects from MW and project sizes, departures from the horizon and the days between
//! them), checked before any run so that no counter
//! saturates or wraps and no replication builds an endless list. Written once here;
//! the resolvers check them and the reference lists them ([`LIMITS`]).

/// Most accelerators one data-centre project may need: IT load (MW) × 1000 ÷
/// `kw_per_accelerator` (a 100 GW project at 0.1 kW each).
pub const MAX_ACCELERATORS_PER_PROJECT: f64 = 1e9;

/// Most projects a demand curve may generate over the horizon on average (its yearly
/// IT load ÷ the mean project size, summed over its years), and a demand surge at one
/// onset (its mean extra MW ÷ the mean project size).
pub const MAX_PROJECTS_PER_DEMAND: f64 = 1e6;

/// Most departures one lane may have over the horizon: its days ÷
/// `departure_every_days`.
pub const MAX_DEPARTURES_PER_LANE: f64 = 1e9;

/// The limits in words, for the reference: (what, ceiling).
pub const LIMITS: &[(&str, f64)] = &[
    (
        "accelerators one project needs: IT load (MW) × 1000 ÷ `kw_per_accelerator`; for a \
         demand curve or surge, its largest possible project",
        MAX_ACCELERATORS_PER_PROJECT,
    ),
    (
        "projects a demand curve generates over the horizon on average (each year's IT load \
         ÷ the mean of `project_mw`), or a demand surge at one onset",
        MAX_PROJECTS_PER_DEMAND,
    ),
    (
        "departures of one lane over the horizon: its days ÷ `departure_every_days`",
        MAX_DEPARTURES_PER_LANE,
    ),
];

/// Accelerators for `megawatts` of IT load at `kw_per_accelerator` each, checked
/// against [`MAX_ACCELERATORS_PER_PROJECT`]; the error says what to change.
pub fn accelerators(megawatts: f64, kw_per_accelerator: f64, what: &str) -> Result<f64, String> {
    let count = megawatts * 1000.0 / kw_per_accelerator;
    if count <= MAX_ACCELERATORS_PER_PROJECT {
        return Ok(count);
    }
    Err(format!(
        "{what} of {megawatts} MW at {kw_per_accelerator} kW each needs {count:.3e} \
         accelerators; a project may need at most {MAX_ACCELERATORS_PER_PROJECT:e}: \
         kw_per_accelerator is kW per accelerator (e.g. 1.3)"
    ))
}
