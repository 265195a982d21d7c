//! What the resolvers of the agent kinds share while a scenario is resolved: the horizon,
//! the names interned to dense ids (regions, products), the grid regions, the ids taken
//! in each id space, the regions entries stand in, the rows of `projects.csv`, and the
//! warnings found so far. [`Context::entry`] is the one preamble every `[[table]]` entry
//! goes through: its place in the file, and its id checked as a unique name.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::model::{GridId, GridParams, RegionId};
use crate::replication::ProjectGroup;

use super::check::{invalid, At, Check, Invalid};
use super::fields::{Field, Valued};
use super::locate::FieldPath;

/// Names interned to dense ids, in the order first seen.
#[derive(Debug, Default)]
pub struct Names {
    /// Names by id.
    pub names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    /// The id of `name`, new if it was not seen before.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), id);
        id
    }

    /// The id of `name`, if it was seen.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The name with id `id`.
    pub fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }
}

/// A family of ids that must differ from each other, e.g. fabs and fab constructions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdSpace(pub &'static str);

/// The shared state of one resolution; see the module documentation.
#[derive(Debug)]
pub struct Context {
    /// First simulated day.
    pub start: NaiveDate,
    /// Last simulated day.
    pub end: NaiveDate,
    /// The PUE of a site that gives none (`[power] pue`).
    pub pue: f64,
    /// Days simulated before `start` (the model's clock starts there).
    pub warm_up_days: f64,
    /// Regions, in the order first named.
    pub regions: Names,
    /// Products, in the order fabs make them.
    pub products: Names,
    /// Grid regions by [`GridId`].
    pub grids: Vec<String>,
    /// Their parameters, for the plans of demand curves.
    pub grid_params: Vec<GridParams>,
    /// Rows of `projects.csv`, in the order projects, demand curves and surges add them.
    pub project_groups: Vec<ProjectGroup>,
    /// What is allowed but probably not meant.
    pub warnings: Vec<Invalid>,
    ids: HashMap<IdSpace, HashSet<String>>,
    stood_in: HashSet<String>,
}

impl Context {
    /// A context for the horizon `start` to `end`, with `pue` for sites that give none
    /// and `warm_up_days` simulated before the start.
    pub fn new(start: NaiveDate, end: NaiveDate, pue: f64, warm_up_days: f64) -> Context {
        Context {
            start,
            end,
            pue,
            warm_up_days,
            regions: Names::default(),
            products: Names::default(),
            grids: Vec::new(),
            grid_params: Vec::new(),
            project_groups: Vec::new(),
            warnings: Vec::new(),
            ids: HashMap::new(),
            stood_in: HashSet::new(),
        }
    }

    /// The model clock's day of `date` (the clock starts `warm_up_days` before `start`).
    pub fn day_of(&self, date: NaiveDate) -> f64 {
        (date - self.start).num_days() as f64 + self.warm_up_days
    }

    /// The clock's day of the start.
    pub fn start_day(&self) -> f64 {
        self.warm_up_days
    }

    /// The clock's day at the end of the last day.
    pub fn horizon_days(&self) -> f64 {
        self.day_of(self.end) + 1.0
    }

    /// `date`, checked to lie within the horizon.
    pub fn within(&self, path: FieldPath, date: NaiveDate) -> Check<NaiveDate> {
        if date < self.start || date > self.end {
            return invalid(
                path,
                format!(
                    "must be within the horizon {} to {}, got {date}",
                    self.start, self.end
                ),
            );
        }
        Ok(date)
    }

    /// The place of entry `index` of the list `table`, once its id is checked: a name,
    /// used by no other entry of its id space (`what` names that space's entries).
    pub fn entry(
        &mut self,
        table: &Field,
        index: usize,
        id: Valued<'_, String>,
        space: IdSpace,
    ) -> Check<At> {
        let at = At::new(FieldPath::root(table.name).item(index, id.value));
        let id_text = at.name(id)?;
        if !self
            .ids
            .entry(space)
            .or_default()
            .insert(id_text.to_string())
        {
            return at.invalid(
                id.field,
                format!(
                    "duplicate id {id_text:?}: every {} needs its own id",
                    space.0
                ),
            );
        }
        Ok(at)
    }

    /// The id of region `name`, where an entry stands: lanes may then run to and from it.
    pub fn stands_in(&mut self, name: &str) -> RegionId {
        self.stood_in.insert(name.to_string());
        RegionId(self.regions.intern(name))
    }

    /// Marks region `name` as one where an entry stands, without giving it an id (the
    /// installed base keeps its region as text).
    pub fn stands_in_unnamed(&mut self, name: &str) {
        self.stood_in.insert(name.to_string());
    }

    /// Whether some entry stands in region `name`.
    pub fn is_stood_in(&self, name: &str) -> bool {
        self.stood_in.contains(name)
    }

    /// The regions entries stand in, sorted, for suggestions.
    pub fn stood_in(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.stood_in.iter().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// The grid region `name`, which `what` needs.
    pub fn grid(&self, at: &At, field: &Field, name: &str, what: &str) -> Check<GridId> {
        match self.grids.iter().position(|grid| grid == name) {
            Some(index) => Ok(GridId(index as u32)),
            None => at.invalid(
                field,
                format!(
                    "{what} needs a grid region with id {name:?}; grid regions are: {}{}",
                    self.grids.join(", "),
                    super::did_you_mean(name, self.grids.iter().map(String::as_str))
                ),
            ),
        }
    }
}
