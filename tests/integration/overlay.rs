//! Change files (`base = "…"` and only what changes): every shipped scenario is one and
//! `check --diff` lists exactly its changes; the overlay semantics (set, scale, replace,
//! remove, add, prepend, chained bases) and their errors, each naming the file, line and
//! field; the manifest's hash following the resolved scenario; and each shipped change
//! file giving the World of the full file it replaced.

use std::path::Path;

use chipsim::scenario::{self, overlay, Scenario};
use toml::{Table, Value};

use crate::support::{chipsim, golden};

/// Writes `files` (name, text) into `dir`.
fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("the folder is made");
        std::fs::write(path, text).expect("the file is written");
    }
}

/// A folder holding the golden scenario as `base.toml` and `files`.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    write(dir.path(), &[("base.toml", &golden())]);
    write(dir.path(), files);
    dir
}

fn load(dir: &Path, name: &str) -> Result<Scenario, String> {
    scenario::load(&dir.join(name)).map_err(|error| error.to_string())
}

/// The resolved scenario of `name` as a TOML value.
fn resolved(dir: &Path, name: &str) -> Value {
    let resolved = overlay::resolve(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
    Value::Table(resolved.table().clone())
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("no line holds {needle:?}"))
        + 1
}

/// The error of loading `name`, which must start with `file:line: field: `.
fn error_at(dir: &Path, name: &str, file: &str, needle: &str, field: &str) -> String {
    let error = load(dir, name).expect_err("the scenario is refused");
    let text = std::fs::read_to_string(dir.join(file)).expect("the file");
    let at = format!(
        "{}:{}: {field}: ",
        dir.join(file).display(),
        line_of(&text, needle)
    );
    assert!(error.starts_with(&at), "expected {at:?}, got {error:?}");
    error
}

fn ids(value: &Value, list: &str) -> Vec<String> {
    value[list]
        .as_array()
        .expect("a list")
        .iter()
        .map(|entry| entry["id"].as_str().expect("an id").to_string())
        .collect()
}

/// The lines of `chipsim check FILE --diff` that open a change, cut to the sign and path.
fn diff_heads(file: &str) -> Vec<String> {
    let output = chipsim(&["check", file, "--diff"], Path::new("."));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{file}: {stdout}");
    assert!(
        stdout.starts_with(&format!("{file}: changes from its base ")),
        "{stdout}"
    );
    (stdout.lines().skip(1))
        .filter(|line| !line.starts_with("    "))
        .map(|line| line.split([' ', '(']).take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn every_shipped_scenario_is_a_change_file_of_the_baseline() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir("configs/scenarios").expect("configs/scenarios") {
        let path = entry.expect("an entry").path();
        let scenario = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            scenario.base.as_deref(),
            Some("configs/baseline.toml"),
            "{}",
            path.display()
        );
        assert!(scenario.warnings.is_empty(), "{:?}", scenario.warnings);
        names.push(scenario.world.name.clone());
    }
    assert_eq!(names.len(), 8, "{names:?}");
    let upper = scenario::load(Path::new("configs/validation/de-vries-2027-h100.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        upper.base.as_deref(),
        Some("configs/validation/de-vries-2027.toml")
    );
    assert_eq!(upper.world.installed_base[0].kw_per_accelerator, 10.2);
}

/// The shipped change files: every scenario and the de Vries upper bound, and with
/// `bench` the benchmark worlds (the baseline at demand × 10 and × 100, which
/// tests/integration/bench.rs checks).
fn shipped_change_files(bench: bool) -> Vec<String> {
    let mut folders = vec!["configs/scenarios"];
    if bench {
        folders.push("configs/bench");
    }
    let mut files: Vec<String> = (folders.iter())
        .flat_map(|folder| std::fs::read_dir(folder).expect("a folder of configs"))
        .map(|entry| entry.expect("an entry").path().display().to_string())
        .collect();
    files.sort();
    files.push("configs/validation/de-vries-2027-h100.toml".to_string());
    files
}

fn world_of(file: &str) -> String {
    let scenario = scenario::load(Path::new(file)).unwrap_or_else(|e| panic!("{e}"));
    format!("{:?}", scenario.world)
}

#[test]
fn check_resolved_prints_a_standalone_scenario_that_round_trips() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for file in shipped_change_files(true) {
        let output = chipsim(&["check", &file, "--resolved"], Path::new("."));
        assert!(output.status.success(), "{file}");
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        assert!(!text.contains("base ="), "{file}: {text}");
        let scenario = scenario::load(Path::new(&file)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text, scenario.text, "{file}: what runs and is hashed");

        // Saved as a file of its own, it is the same scenario, and prints itself.
        let copy = dir.path().join("resolved.toml");
        std::fs::write(&copy, &text).expect("the copy is written");
        let again = chipsim(&["check", "resolved.toml", "--resolved"], dir.path());
        assert_eq!(String::from_utf8_lossy(&again.stdout), text, "{file}");
        assert_eq!(
            world_of(&copy.display().to_string()),
            world_of(&file),
            "{file}"
        );
    }
}

/// `table` (a scenario) with `key` taken from `change`.
fn take(table: &mut Table, change: &Table, key: &str) {
    table.insert(key.to_string(), change[key].clone());
}

/// The entries of the list `key` of `table`, mutably.
fn entries<'a>(table: &'a mut Table, key: &str) -> &'a mut Vec<Value> {
    table
        .get_mut(key)
        .and_then(Value::as_array_mut)
        .unwrap_or_else(|| panic!("a list {key}"))
}

/// Each rewritten scenario gives the World of the full file it replaced (checked against
/// those files when they were replaced): its base written out in full with the change
/// made by hand, here, rather than by the overlay, and read as one standalone file.
#[test]
fn each_change_file_gives_the_world_of_the_full_file_it_replaced() {
    let table = |file: &str| -> Table {
        let text = std::fs::read_to_string(file).expect("the file");
        toml::from_str(&text).expect("TOML")
    };
    let baseline = table("configs/baseline.toml");
    for file in shipped_change_files(false) {
        let mut change = table(&file);
        let base = change.remove("base").expect("a base");
        let mut full = if file.contains("de-vries") {
            table("configs/validation/de-vries-2027.toml")
        } else {
            assert_eq!(base.as_str(), Some("../baseline.toml"));
            baseline.clone()
        };
        take(&mut full, &change, "name");
        take(&mut full, &change, "description");
        let name = change["name"].as_str().expect("a name").to_string();
        let mut keys: Vec<&str> = change.keys().map(String::as_str).collect();
        keys.retain(|key| !["name", "description"].contains(key));
        keys.sort();
        match name.as_str() {
            // The baseline has no shocks: the file's are the full file's.
            "taiwan-earthquake" | "export-controls" | "fab-fire" | "grid-moratorium"
            | "red-sea-closure" | "transformer-crunch" => {
                assert_eq!(keys, ["shocks"], "{file}");
                assert!(!full.contains_key("shocks"));
                take(&mut full, &change, "shocks");
            }
            "energy-constrained" => {
                assert_eq!(keys, ["scale"], "{file}");
                for grid in entries(&mut full, "grid_regions") {
                    let added = &mut grid["capacity_added_mw_per_year"];
                    let mw = added.as_float().or(added.as_integer().map(|mw| mw as f64));
                    *added = Value::Float(mw.expect("a number") / 2.0);
                }
            }
            "trillion-dollar-buildout" => {
                assert_eq!(
                    keys,
                    ["demand", "fab_constructions", "packaging", "prepend", "set"],
                    "{file}"
                );
                // The new entries went before the baseline's in the full file.
                for list in ["fab_constructions", "packaging", "demand"] {
                    let mut new = change[list].as_array().expect("a list").clone();
                    new.append(entries(&mut full, list));
                    *entries(&mut full, list) = new;
                }
                let lanes = [
                    ("kr_tw_components_air", 3_000_000),
                    ("jp_tw_components_air", 300_000),
                    ("usw_tw_components_air", 500_000),
                    ("tw_usw_sea", 300_000),
                    ("tw_uss_sea", 400_000),
                    ("tw_me_sea", 300_000),
                    ("tw_asia_sea", 400_000),
                ];
                for (id, capacity) in lanes {
                    let lane = (entries(&mut full, "lanes").iter_mut())
                        .find(|lane| lane["id"].as_str() == Some(id))
                        .unwrap_or_else(|| panic!("no lane {id}"));
                    lane["capacity_per_departure"] = Value::Integer(capacity);
                }
            }
            "de-vries-2027-h100" => {
                assert_eq!(keys, ["set"], "{file}");
                entries(&mut full, "installed_base")[0]["kw_per_accelerator"] = Value::Float(10.2);
            }
            other => panic!("{file}: a new change file {other}: say here what it changes"),
        }
        let text = toml::to_string(&full).expect("TOML");
        let standalone = scenario::parse(&text, &file).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(format!("{:?}", standalone.world), world_of(&file), "{file}");
    }
}

#[test]
fn check_diff_lists_exactly_what_each_scenario_changes() {
    let named = ["~ name", "~ description"];
    let with = |changes: &[&str]| -> Vec<String> {
        named.iter().chain(changes).map(|s| s.to_string()).collect()
    };
    let cases: [(&str, &[&str]); 7] = [
        (
            "taiwan-earthquake",
            &[
                "+ shocks.taiwan_quake_background",
                "+ shocks.taiwan_quake_chichi_class",
            ],
        ),
        ("export-controls", &["+ shocks.us_controls_asia"]),
        (
            "fab-fire",
            &["+ shocks.naka_scale_fire", "+ shocks.naka_scale_fire_ramp"],
        ),
        (
            "grid-moratorium",
            &["+ shocks.dublin_moratorium", "+ shocks.virginia_moratorium"],
        ),
        (
            "red-sea-closure",
            &[
                "+ shocks.red_sea_diversion_nl",
                "+ shocks.red_sea_diversion_ie",
                "+ shocks.suez_blockage_nl",
                "+ shocks.suez_blockage_ie",
                "+ shocks.red_sea_diversion_eu",
                "+ shocks.suez_blockage_eu",
            ],
        ),
        (
            "transformer-crunch",
            &[
                "+ shocks.transformer_crunch_us_east",
                "+ shocks.transformer_crunch_us_south",
                "+ shocks.transformer_crunch_us_west",
            ],
        ),
        (
            "trillion-dollar-buildout",
            &[
                "+ fab_constructions.buildout_logic_taiwan",
                "+ fab_constructions.buildout_logic_arizona",
                "+ fab_constructions.buildout_hbm_korea_1",
                "+ fab_constructions.buildout_hbm_korea_2",
                "+ fab_constructions.buildout_hbm_korea_3",
                "+ fab_constructions.buildout_hbm_korea_4",
                "+ fab_constructions.buildout_hbm_japan",
                "+ fab_constructions.buildout_hbm_idaho",
                "+ fab_constructions.buildout_hbm_taiwan",
                "+ packaging.buildout_cowos_taiwan",
                "~ lanes.kr_tw_components_air.capacity_per_departure",
                "~ lanes.jp_tw_components_air.capacity_per_departure",
                "~ lanes.usw_tw_components_air.capacity_per_departure",
                "~ lanes.tw_usw_sea.capacity_per_departure",
                "~ lanes.tw_uss_sea.capacity_per_departure",
                "~ lanes.tw_me_sea.capacity_per_departure",
                "~ lanes.tw_asia_sea.capacity_per_departure",
                "+ demand.buildout_us_south",
                "+ demand.buildout_middle_east",
                "+ demand.buildout_asia",
                "+ demand.buildout_us_west",
            ],
        ),
    ];
    for (name, changes) in cases {
        let file = format!("configs/scenarios/{name}.toml");
        assert_eq!(diff_heads(&file), with(changes), "{file}");
    }
    assert_eq!(
        diff_heads("configs/validation/de-vries-2027-h100.toml"),
        with(&["~ installed_base[0].kw_per_accelerator"])
    );

    // Energy-constrained halves every grid region's growth, whatever the baseline's.
    let file = "configs/scenarios/energy-constrained.toml";
    let output = chipsim(&["check", file, "--diff"], Path::new("."));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let grids = scenario::baseline().expect("the baseline").world.grids;
    let halved: Vec<&str> = stdout.lines().skip(3).collect();
    assert_eq!(halved.len(), grids.len(), "{stdout}");
    for (line, grid) in halved.iter().zip(&grids) {
        let full = grid.capacity_added_mw_per_year;
        let expected = format!(
            "~ grid_regions.{}.capacity_added_mw_per_year = {} (was {})",
            grid.name,
            full / 2.0,
            full
        );
        assert_eq!(*line, expected);
    }
}

#[test]
fn set_scale_replace_remove_add_and_prepend() {
    let change = r#"
base = "base.toml"
name = "changed"
remove = ["power.pue"]
prepend = ["grid_regions"]

[power]
utilisation = 0.5

[[lanes]]
id = "air"
from = "taiwan"
to = "us_west"
mode = "air"
departure_every_days = 2
capacity_per_departure = 1000
transit_days = 4

[[lanes]]
id = "sea"
from = "taiwan"
to = "us_west"
mode = "sea"
departure_every_days = 7
capacity_per_departure = 5000
transit_days = 20

[[grid_regions]]
id = "taiwan"
spare_mw = 10
capacity_added_mw_per_year = 0
study_days = 30
transformer_lead_days = 60

[set]
"fabs.fab.dies_per_wafer" = 12
"warm_up_days" = 4
"projects.dc.construction_days" = { uniform = { min = 90, max = 110 } }

[scale]
"fabs.*.wafer_starts_per_week" = 2.5
"grid_regions.us_west.spare_mw" = 0.5
"#;
    let dir = folder(&[("change.toml", change)]);
    let value = resolved(dir.path(), "change.toml");
    assert_eq!(value["name"].as_str(), Some("changed"));
    assert!(value["power"].get("pue").is_none(), "removed");
    assert_eq!(value["power"]["utilisation"].as_float(), Some(0.5));
    assert_eq!(
        ids(&value, "lanes"),
        ["air", "sea"],
        "replaced in place, added after"
    );
    assert_eq!(value["lanes"][0]["transit_days"].as_integer(), Some(4));
    assert_eq!(
        ids(&value, "grid_regions"),
        ["taiwan", "us_west"],
        "prepended"
    );
    let fab = &value["fabs"][0];
    assert_eq!(fab["dies_per_wafer"].as_integer(), Some(12));
    assert_eq!(fab["wafer_starts_per_week"].as_integer(), Some(25));
    assert_eq!(value["warm_up_days"].as_integer(), Some(4), "a changed key");
    assert_eq!(
        value["projects"][0]["construction_days"]["uniform"]["max"].as_integer(),
        Some(110)
    );
    assert_eq!(value["grid_regions"][1]["spare_mw"].as_integer(), Some(500));

    let scenario = load(dir.path(), "change.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scenario.world.utilisation, 0.5);
    assert_eq!(
        scenario.world.start_day, 4.0,
        "warm-up days before the start"
    );
    assert_eq!(scenario.world.lanes.len(), 2);
    assert_eq!(
        scenario.text,
        chipsim::scenario::canonical::to_toml(value.as_table().expect("a table"))
    );

    // The same changes, listed.
    let output = chipsim(&["check", "change.toml", "--diff"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(output.status.success(), "{stdout}");
    let expected = [
        "change.toml: changes from its base base.toml",
        "~ name = \"changed\" (was \"golden\")",
        "~ warm_up_days = 4 (was 0)",
        "- power.pue (was 1.0)",
        "~ power.utilisation = 0.5 (was 1.0)",
        "~ fabs.fab.wafer_starts_per_week = 25 (was 10)",
        "~ fabs.fab.dies_per_wafer = 12 (was 10)",
        "~ lanes.air.departure_every_days = 2 (was 1)",
        "~ lanes.air.transit_days = 4 (was 3)",
        "+ lanes.sea",
    ];
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[..expected.len()], expected, "{stdout}");
    assert!(
        stdout
            .contains("~ grid_regions.us_west.spare_mw = 500 (was 1000)\n+ grid_regions.taiwan\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "~ projects.dc.construction_days = { uniform = { min = 90, max = 110 } } (was 100)"
        ),
        "{stdout}"
    );
}

#[test]
fn bases_chain_relative_to_each_file_and_loops_are_refused() {
    let dir = folder(&[
        (
            "mid.toml",
            "base = \"base.toml\"\nname = \"mid\"\n[set]\n\"fabs.fab.dies_per_wafer\" = 20\n",
        ),
        (
            "sub/top.toml",
            "base = \"../mid.toml\"\nname = \"top\"\n[set]\n\"power.pue\" = 1.2\n",
        ),
        ("a.toml", "base = \"sub/b.toml\"\nname = \"a\"\n"),
        ("sub/b.toml", "base = \"../a.toml\"\nname = \"b\"\n"),
    ]);
    let top = load(dir.path(), "sub/top.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(top.world.name, "top");

    assert_eq!(
        top.base.as_deref(),
        Some(dir.path().join("mid.toml").display().to_string().as_str())
    );
    let value = resolved(dir.path(), "sub/top.toml");
    assert_eq!(value["fabs"][0]["dies_per_wafer"].as_integer(), Some(20));
    assert_eq!(value["power"]["pue"].as_float(), Some(1.2));

    let output = chipsim(&["check", "sub/top.toml", "--diff"], dir.path());
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(
        stdout,
        "sub/top.toml: changes from its base mid.toml\n\
         ~ name = \"top\" (was \"mid\")\n~ power.pue = 1.2 (was 1.0)\n",
        "only the top file's changes, against its base as resolved"
    );

    let error = error_at(dir.path(), "a.toml", "sub/b.toml", "base", "base");
    assert!(error.contains("the chain of bases loops"), "{error}");
    assert!(
        error.contains("a.toml → ") && error.ends_with("a.toml"),
        "{error}"
    );
}

#[test]
fn errors_name_the_file_line_and_field_that_wrote_the_value() {
    let bad_base = golden().replace("dies_per_wafer = 10", "dies_per_wafer = -10");
    let dir = folder(&[
        ("bad_base.toml", &bad_base),
        (
            "on_bad_base.toml",
            "base = \"bad_base.toml\"\nname = \"x\"\n[set]\n\"power.pue\" = 1.1\n",
        ),
        (
            "bad_set.toml",
            "base = \"base.toml\"\nname = \"x\"\n\n[set]\n\"power.pue\" = 1.1\n\"fabs.fab.dies_per_wafer\" = -3\n",
        ),
        (
            "typo.toml",
            "base = \"base.toml\"\nname = \"x\"\n[set]\n\"fabs.fab.wafer_start_per_week\" = 3\n",
        ),
        (
            "bad_entry.toml",
            "base = \"base.toml\"\nname = \"x\"\n\n[[lanes]]\nid = \"air\"\nfrom = \"taiwan\"\nto = \"us_west\"\nmode = \"ari\"\ndeparture_every_days = 1\ncapacity_per_departure = 1\ntransit_days = 3\n",
        ),
        (
            "unknown_path.toml",
            "base = \"base.toml\"\nname = \"x\"\n[set]\n\"fabs.fba.dies_per_wafer\" = 3\n",
        ),
        (
            "bad_remove.toml",
            "base = \"base.toml\"\nname = \"x\"\nremove = [\"projects.dd\"]\n",
        ),
        (
            "no_base.toml",
            "base = \"missing.toml\"\nname = \"x\"\n",
        ),
        ("standalone_set.toml", &format!("{}\n[set]\n\"power.pue\" = 1.1\n", golden())),
        (
            "dotted.toml",
            "base = \"base.toml\"\nname = \"x\"\n[set]\npower.pue = 1.1\n",
        ),
        (
            "twice.toml",
            "base = \"base.toml\"\nname = \"x\"\n[[lanes]]\nid = \"sea\"\n[[lanes]]\nid = \"sea\"  # again\n",
        ),
        (
            "scale_text.toml",
            "base = \"base.toml\"\nname = \"x\"\n[scale]\n\"fabs.fab.region\" = 2\n",
        ),
        (
            "scale_word.toml",
            "base = \"base.toml\"\nname = \"x\"\n[scale]\n\"fabs.fab.dies_per_wafer\" = \"two\"\n",
        ),
        (
            "bad_prepend.toml",
            "base = \"base.toml\"\nname = \"x\"\nprepend = [\"lane\"]\n",
        ),
    ]);
    let path = dir.path();
    // (file loaded, file named, the line holding, field, what the message says)
    let cases = [
        // In the base, named in the base; in the change file, named there.
        (
            "on_bad_base.toml",
            "bad_base.toml",
            "dies_per_wafer",
            "fabs.fab.dies_per_wafer",
            "",
        ),
        (
            "bad_set.toml",
            "bad_set.toml",
            "dies_per_wafer",
            "fabs.fab.dies_per_wafer",
            "",
        ),
        (
            "typo.toml",
            "typo.toml",
            "wafer_start_per_week",
            "fabs.fab",
            "did you mean `wafer_starts_per_week`",
        ),
        (
            "bad_entry.toml",
            "bad_entry.toml",
            "\"ari\"",
            "lanes.air.mode",
            "did you mean `air`",
        ),
        (
            "unknown_path.toml",
            "unknown_path.toml",
            "fba",
            "set.fabs.fba.dies_per_wafer",
            "`fabs.fab.dies_per_wafer`",
        ),
        (
            "bad_remove.toml",
            "bad_remove.toml",
            "remove",
            "remove[0]",
            "`projects.dc`",
        ),
        (
            "no_base.toml",
            "no_base.toml",
            "base",
            "base",
            "cannot read the base scenario",
        ),
        (
            "standalone_set.toml",
            "standalone_set.toml",
            "[set]",
            "set",
            "`set` changes a base scenario",
        ),
        (
            "dotted.toml",
            "dotted.toml",
            "power.pue",
            "set.power",
            "\"power.pue\" = …",
        ),
        (
            "twice.toml",
            "twice.toml",
            "# again",
            "lanes.sea.id",
            "another [[lanes]] entry of this file has id \"sea\"",
        ),
        (
            "scale_text.toml",
            "scale_text.toml",
            "region",
            "scale.fabs.fab.region",
            "is text, not a number",
        ),
        (
            "scale_word.toml",
            "scale_word.toml",
            "two",
            "scale.fabs.fab.dies_per_wafer",
            "must be a number",
        ),
        (
            "bad_prepend.toml",
            "bad_prepend.toml",
            "prepend",
            "prepend[0]",
            "it adds none",
        ),
    ];
    for (loaded, named, needle, field, says) in cases {
        let error = error_at(path, loaded, named, needle, field);
        assert!(error.contains(says), "{error}");
    }

    let output = chipsim(&["check", "base.toml", "--diff"], path);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has no `base`"), "{stderr}");
}

#[test]
fn the_manifest_hash_follows_the_resolved_scenario() {
    let dir = folder(&[(
        "change.toml",
        "base = \"base.toml\"\nname = \"changed\"\n[set]\n\"power.pue\" = 1.2\n",
    )]);
    let path = dir.path();
    let run = |out: &str| -> String {
        let output = chipsim(
            &["run", "change.toml", "--reps", "1", "--out", out, "--quiet"],
            path,
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let manifest =
            std::fs::read_to_string(path.join(out).join("manifest.json")).expect("a manifest");
        let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
        manifest["config_hash"]
            .as_str()
            .expect("a hash")
            .to_string()
    };
    let first = run("one");
    let resolved = chipsim(&["check", "change.toml", "--resolved"], path);
    let text = String::from_utf8_lossy(&resolved.stdout).to_string();
    assert_eq!(
        first,
        chipsim::output::config_hash(&text),
        "the hash of what --resolved prints"
    );
    assert!(text.contains("pue = 1.2\n"), "{text}");

    // A comment changes neither the scenario nor its hash; a value in the base does.
    write(
        path,
        &[(
            "change.toml",
            "# a note\nbase = \"base.toml\"\nname = \"changed\"\n[set]\n\"power.pue\" = 1.2\n",
        )],
    );
    assert_eq!(run("two"), first);
    write(
        path,
        &[(
            "base.toml",
            &golden().replace("utilisation = 1.0", "utilisation = 0.9"),
        )],
    );
    assert_ne!(run("three"), first);
}

#[test]
fn a_sweep_may_vary_a_change_file() {
    let dir = folder(&[
        (
            "change.toml",
            "base = \"base.toml\"\nname = \"changed\"\n[set]\n\"fabs.fab.dies_per_wafer\" = 20\n",
        ),
        (
            "sweep.toml",
            "base = \"change.toml\"\n[sweep]\n[[sweep.parameters]]\npath = \"fabs.fab.dies_per_wafer\"\nvalues = [10, 30]\n",
        ),
    ]);
    let study = chipsim::sweep::Study::load(&dir.path().join("sweep.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(study.base.world.name, "changed");
    let design = study.design(1);
    assert_eq!(
        design.parameters[0].base,
        Some(20.0),
        "the base value is the change file's"
    );
    for point in 0..design.points.len() {
        study
            .scenario_at(&design, point)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn the_schema_takes_change_files_and_keeps_directives_to_them() {
    let schema = chipsim::scenario::schema::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors = |document: serde_json::Value| -> Vec<String> {
        (validator.iter_errors(&document))
            .map(|error| error.to_string())
            .collect()
    };
    let change = serde_json::json!({
        "base": "../baseline.toml",
        "name": "x",
        "remove": ["power.pue"],
        "prepend": ["shocks"],
        "power": { "utilisation": 0.5 },
        "set": { "fabs.tsmc_f18.dies_per_wafer": 60 },
        "scale": { "fabs.*.wafer_starts_per_week": 2 },
    });
    assert_eq!(errors(change), Vec::<String>::new());
    for bad in [
        serde_json::json!({ "base": 3 }),
        serde_json::json!({ "base": "b.toml", "remove": "power.pue" }),
        serde_json::json!({ "base": "b.toml", "scale": { "power.pue": "two" } }),
        serde_json::json!({ "base": "b.toml", "sett": {} }),
        serde_json::json!({ "base": "b.toml", "power": { "pue": "high" } }),
    ] {
        assert!(!errors(bad.clone()).is_empty(), "{bad}");
    }
    // With no base, the required fields are required, and a directive wants a base.
    let standalone = errors(serde_json::json!({ "name": "x" }));
    assert!(
        standalone.iter().any(|e| e.contains("\"start\"")),
        "{standalone:?}"
    );
    assert!(
        !standalone.iter().any(|e| e.contains("\"base\"")),
        "{standalone:?}"
    );
    let directive = errors(serde_json::json!({ "name": "x", "set": {} }));
    assert!(
        directive.iter().any(|e| e.contains("\"base\"")),
        "{directive:?}"
    );
}
