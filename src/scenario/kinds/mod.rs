//! The agent kinds of a scenario, one file each: the serde struct of its `[[table]]`
//! with the [`Field`](super::fields::Field) of every member (declared together by
//! [`table!`](super::fields::table)), any choice words it takes
//! ([`choice!`](super::choice::choice)), and its resolver, which turns the entries as
//! written into the model's parameters.
//!
//! A resolver walks its entries in order. [`Context::entry`](super::context::Context::entry)
//! gives each entry its place in the file after checking its id (a name, unique in its
//! [`IdSpace`](super::context::IdSpace)); the checks of [`At`](super::check::At) take each
//! value with its field (`at.number(fab.dies_per_wafer())`), so a field is named once;
//! the [`Context`](super::context::Context) holds what kinds share (the horizon,
//! regions, products, grid regions, rows of `projects.csv`).
//!
//! # Adding a kind
//!
//! Say, suppliers of power equipment that gate a project's go-live:
//!
//! 1. Write `kinds/supplier.rs`: `table! { pub struct RawSupplier { … } }` with a
//!    [`Field`](super::fields::Field) per member, and
//!    `pub fn resolve(suppliers: Valued<'_, Vec<RawSupplier>>, context: &mut Context)
//!    -> Check<Vec<SupplierParams>>`, starting each entry with `context.entry(…)` and
//!    naming its region with `context.stands_in(…)` (so lanes and shocks may refer to
//!    it). Copy the shape of `grid_region.rs`, the smallest kind.
//! 2. Declare it below: `pub mod supplier;`.
//! 3. Add its list to [`RawScenario`](super::raw::RawScenario) in `raw.rs`:
//!    `#[serde(default)] suppliers: Vec<RawSupplier> = Field::tables("suppliers",
//!    RawSupplier::FIELDS, "…").optional(),`. The JSON Schema, the reference
//!    (`chipsim schema`) and the field-table test pick it up from there.
//! 4. Call its resolver in `validate.rs`, in dependency order (after what it refers to,
//!    before what refers to it), and give the model its parameters.
//!
//! Then regenerate `docs/chipsim.schema.json` and `docs/scenario-reference.md` (a test
//! fails while they are stale).

pub mod capacity;
pub mod demand;
pub mod fab;
pub mod fab_construction;
pub mod grid_region;
pub mod installed_base;
pub mod lane;
pub mod packaging;
pub mod power_equipment;
pub mod project;
pub mod shock;

/// Longest construction-scale duration a distribution may produce (days, 20 years).
const LONG_DAYS: f64 = 7300.0;
