//! Routes: goods move along a single lane or stay within their region, so every fab's
//! product must reach a packaging site that uses it, every packaging input must come
//! from a fab that reaches the site, and accelerators must reach every project and
//! demand curve from some packaging site. A lane no flow can use is allowed, with a
//! warning: it is probably a misspelt or forgotten region.

use crate::model::{RegionId, World};

use super::check::{invalid, Check, Invalid};
use super::context::Context;
use super::kinds::{fab, packaging, project};
use super::locate::FieldPath;
use super::raw::RawScenario;

/// Whether goods can move from `from` to `to`: the same region, or a lane between them.
fn connected(world: &World, from: RegionId, to: RegionId) -> bool {
    from == to || world.lanes.iter().any(|l| l.from == from && l.to == to)
}

/// Checks every route of `world` (as written in `raw`).
pub fn check(raw: &RawScenario, world: &World, context: &mut Context) -> Check<()> {
    let region = |id: RegionId| context.regions.name(id.0);
    let product = |id: crate::model::ProductId| context.products.name(id.0);
    for (index, fab) in world.fabs.iter().enumerate() {
        let reaches = world.packaging.iter().any(|s| {
            s.bill_of_materials.iter().any(|(p, _)| *p == fab.product)
                && connected(world, fab.region, s.region)
        });
        if !reaches {
            let (table, position) = match fab.construction {
                Some(_) => (raw.fab_constructions().field, index - raw.fabs.len()),
                None => (raw.fabs().field, index),
            };
            return invalid(
                FieldPath::root(table.name)
                    .item(position, &fab.name)
                    .key(fab::PRODUCT.name),
                format!(
                    "no packaging site that uses {:?} can be reached from region {:?}: add a lane or a packaging site",
                    product(fab.product), region(fab.region)
                ),
            );
        }
    }
    for (index, site) in world.packaging.iter().enumerate() {
        for &(input, _) in &site.bill_of_materials {
            let made_and_shipped = world
                .fabs
                .iter()
                .any(|f| f.product == input && connected(world, f.region, site.region));
            if !made_and_shipped {
                return invalid(
                    FieldPath::root(raw.packaging().field.name)
                        .item(index, &site.name)
                        .key(packaging::BILL_OF_MATERIALS.name)
                        .key(product(input)),
                    format!(
                        "no fab making this input can ship to region {:?}: add a lane",
                        region(site.region)
                    ),
                );
            }
        }
    }
    let supplied = |to: RegionId| {
        world
            .packaging
            .iter()
            .any(|s| connected(world, s.region, to))
    };
    let customers = (world.projects.iter().map(|p| (p.region, &p.name)))
        .map(|(region, name)| (raw.projects().field, region, name))
        .enumerate()
        .chain(
            (world
                .demand
                .iter()
                .map(|d| (raw.demand().field, d.region, &d.name)))
            .enumerate(),
        );
    for (index, (table, to, name)) in customers {
        if !supplied(to) {
            return invalid(
                FieldPath::root(table.name)
                    .item(index, name)
                    .key(project::REGION.name),
                format!(
                    "no lane brings accelerators from any packaging site to {:?}: add a lane",
                    region(to)
                ),
            );
        }
    }
    warn_of_unused_lanes(raw, world, context);
    Ok(())
}

/// Adds a warning for each lane that no flow can use: no fab at its origin makes an
/// input of a packaging site at its destination, and no packaging site at its origin
/// supplies a project or demand curve at its destination.
fn warn_of_unused_lanes(raw: &RawScenario, world: &World, context: &mut Context) {
    let inputs = |from: RegionId, to: RegionId| {
        (world.fabs.iter().filter(|f| f.region == from)).any(|f| {
            (world.packaging.iter().filter(|s| s.region == to))
                .any(|s| s.bill_of_materials.iter().any(|(p, _)| *p == f.product))
        })
    };
    let accelerators = |from: RegionId, to: RegionId| {
        world.packaging.iter().any(|s| s.region == from)
            && (world.projects.iter().any(|p| p.region == to)
                || world.demand.iter().any(|d| d.region == to))
    };
    for (index, lane) in world.lanes.iter().enumerate() {
        if inputs(lane.from, lane.to) || accelerators(lane.from, lane.to) {
            continue;
        }
        let (from, to) = (
            context.regions.name(lane.from.0),
            context.regions.name(lane.to.0),
        );
        let message = format!(
            "no flow can use this lane: no fab in {from:?} makes an input of a packaging site \
             in {to:?}, and no packaging site in {from:?} supplies a project or demand curve \
             in {to:?}"
        );
        context.warnings.push(Invalid {
            path: FieldPath::root(raw.lanes().field.name).item(index, &lane.name),
            message,
        });
    }
}
