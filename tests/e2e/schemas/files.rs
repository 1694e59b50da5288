//! The committed schema files: reading them, and rewriting them when `LTC_UPDATE_SCHEMAS` is
//! set (expect-test style), before any test reads them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ltc_services::command::Aggregate;
use serde_json::Value;

use super::generate::{
    EVENT_TYPES_KEY, REGENERATE, SCHEMAS_DIR, event_schema_path, generated, render,
};

/// Set (to anything) to rewrite the committed schema files instead of comparing with them.
const UPDATE_VAR: &str = "LTC_UPDATE_SCHEMAS";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

/// Every `.json` file under `schemas/`, relative to the workspace root, but for the stored
/// event fixtures (`schemas/fixtures/`), which no type generates and nothing may rewrite.
pub fn committed_files() -> BTreeSet<String> {
    let root = workspace_root();
    let fixtures = root.join(super::fixtures::FIXTURES_DIR);
    let mut files = BTreeSet::new();
    let mut pending = vec![root.join(SCHEMAS_DIR)];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read schemas dir") {
            let path = entry.expect("dir entry").path();
            if path == fixtures {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "json") {
                files.insert(path.strip_prefix(&root).expect("under root").display().to_string());
            }
        }
    }
    files
}

/// Under [`UPDATE_VAR`], rewrites every file whose text differs and removes schema files no
/// type generates any more. Runs once per test binary, before any test reads a committed file,
/// so a regeneration run checks the files it just wrote.
pub fn update_if_asked() {
    static UPDATED: OnceLock<()> = OnceLock::new();
    UPDATED.get_or_init(|| {
        if std::env::var_os(UPDATE_VAR).is_none() {
            return;
        }
        let root = workspace_root();
        let files = generated();
        for file in &files {
            let path = root.join(&file.path);
            let text = render(&file.schema);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::create_dir_all(path.parent().expect("a file has a parent"))
                    .expect("create the schemas dir");
                std::fs::write(&path, text).expect("write the schema file");
                say(&format!("{UPDATE_VAR}: rewrote {}", file.path));
            }
        }
        let wanted: BTreeSet<&str> = files.iter().map(|file| file.path.as_str()).collect();
        for orphan in committed_files().iter().filter(|path| !wanted.contains(path.as_str())) {
            std::fs::remove_file(root.join(orphan)).expect("remove the orphaned schema file");
            say(&format!("{UPDATE_VAR}: removed {orphan}"));
        }
    });
}

/// Tells the person regenerating which files changed. Written to stderr directly, past the test
/// harness's capture of `eprintln!`, so it shows even when every test passes.
fn say(line: &str) {
    use std::io::Write;
    // A message that cannot be shown changes nothing about the files.
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The committed schema at `path` (relative to the workspace root).
pub fn committed(path: &str) -> Value {
    update_if_asked();
    let text = std::fs::read_to_string(workspace_root().join(path)).unwrap_or_else(|error| {
        panic!("{path} cannot be read ({error}); generate it with `{REGENERATE}`")
    });
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path} is not JSON: {error}"))
}

pub fn committed_event_schema<A: Aggregate>() -> Value {
    committed(&event_schema_path(A::KIND))
}

/// The event types the committed schema of `kind` names.
pub fn committed_event_types(schema: &Value) -> BTreeSet<String> {
    schema
        .get(EVENT_TYPES_KEY)
        .and_then(Value::as_object)
        .map(|event_types| event_types.keys().cloned().collect())
        .unwrap_or_default()
}
