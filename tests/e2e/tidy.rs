//! Tidy: the habits of shared/CONVENTIONS.md §9 and the layering of ARCHITECTURE.md, checked on
//! every test run so they cannot drift.

use std::path::{Path, PathBuf};

/// Files longer than this hold more than one idea; split them or list them below with a reason.
const FILE_LINES_MAX: usize = 500;

/// Files allowed past [`FILE_LINES_MAX`], each with the reason.
const LONG_FILES: &[(&str, &str)] = &[];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

fn rust_files() -> Vec<(String, String)> {
    let root = workspace_root();
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read workspace dir") {
            let path = entry.expect("dir entry").path();
            let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default();
            if path.is_dir() {
                // Build output, git metadata, and the peer benchmark's separate workspace.
                if !(name == "target" || name.starts_with('.') || path.ends_with("benches/peer")) {
                    pending.push(path);
                }
            } else if name.ends_with(".rs") {
                let relative = path.strip_prefix(&root).expect("under root").display().to_string();
                files.push((relative, std::fs::read_to_string(&path).expect("read source")));
            }
        }
    }
    files.sort();
    assert!(
        files.len() > 20,
        "tidy found only {} Rust files: is it looking in the right place?",
        files.len()
    );
    files
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let missing: Vec<String> = rust_files()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(path, _)| path)
        .collect();
    assert!(missing.is_empty(), "files without a leading //! doc: {missing:?}");
}

#[test]
fn no_debugging_leftovers_stubs_or_skipped_tests_reach_main() {
    // Spelled in pieces so this file does not flag itself.
    let banned = [
        ["dbg", "!("].concat(),
        ["todo", "!("].concat(),
        ["unimplemented", "!("].concat(),
        ["FIX", "ME"].concat(),
        ["#[ig", "nore"].concat(),
        ["#[should", "_panic"].concat(),
    ];
    let mut found = Vec::new();
    for (path, text) in rust_files() {
        for (line_idx, line) in text.lines().enumerate() {
            for word in banned.iter().filter(|word| line.contains(word.as_str())) {
                found.push(format!("{path}:{}: {word}", line_idx + 1));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_allow_attribute_gives_its_reason() {
    let needle = ["#[allow", "("].concat();
    let mut found = Vec::new();
    for (path, text) in rust_files() {
        for (line_idx, line) in text.lines().enumerate() {
            if line.contains(&needle) && !line.contains("reason") {
                found.push(format!("{path}:{}", line_idx + 1));
            }
        }
    }
    assert!(found.is_empty(), "allow without reason: {found:?}");
}

#[test]
fn files_stay_small_enough_to_hold_one_idea() {
    let long: Vec<String> = rust_files()
        .into_iter()
        .filter(|(path, text)| {
            text.lines().count() > FILE_LINES_MAX
                && !LONG_FILES.iter().any(|(long, _)| long == path)
        })
        .map(|(path, text)| format!("{path} ({} lines)", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "over {FILE_LINES_MAX} lines: {long:?}");
}

#[test]
fn money_is_never_floating_point() {
    let mut found = Vec::new();
    for (path, text) in rust_files() {
        for (line_idx, line) in text.lines().enumerate() {
            let line = line.trim();
            let money_word = ["amount", "price", "total", "balance", "discount"]
                .iter()
                .any(|w| line.contains(w));
            let float = [": f32", ": f64", "<f32>", "<f64>"].iter().any(|f| line.contains(f));
            if money_word && float {
                found.push(format!("{path}:{}: {line}", line_idx + 1));
            }
        }
    }
    assert!(found.is_empty(), "money in floating point: {found:#?}");
}

#[test]
fn bincode_is_named_only_behind_the_codec_module() {
    let allowed = ["eventstore/src/codec.rs", "tests/e2e/tidy.rs"];
    let offenders: Vec<String> = rust_files()
        .into_iter()
        .filter(|(path, text)| text.contains("bincode::") && !allowed.contains(&path.as_str()))
        .map(|(path, _)| path)
        .collect();
    assert!(offenders.is_empty(), "bincode used outside eventstore/src/codec.rs: {offenders:?}");
}

/// The layering of ARCHITECTURE.md: `domain` and `eventstore` never depend on each other, and
/// nothing below `services` depends on it.
#[test]
fn crate_dependencies_follow_the_architecture() {
    let manifest = |krate: &str| {
        std::fs::read_to_string(workspace_root().join(krate).join("Cargo.toml")).expect("manifest")
    };
    let depends = |krate: &str, on: &str| {
        manifest(krate).lines().any(|line| {
            line.trim_start().starts_with(&format!("{on} "))
                || line.trim_start().starts_with(&format!("{on}."))
        })
    };
    assert!(!depends("domain", "ltc-eventstore"), "domain must not know the store");
    assert!(!depends("eventstore", "ltc-domain"), "the store must not know the domain");
    for lower in ["domain", "eventstore", "projections"] {
        assert!(!depends(lower, "ltc-services"), "{lower} must not depend on services");
    }
    let domain = manifest("domain");
    for io_crate in ["rusqlite", "tokio", "async-nats"] {
        assert!(!domain.contains(io_crate), "domain is pure: it must not depend on {io_crate}");
    }
}

/// The deciders are pure: the same history and commands give the same facts on every machine.
#[test]
fn the_domain_reads_no_clock_and_draws_no_random_numbers() {
    let banned = [
        ["::now", "("].concat(),
        ["System", "Time"].concat(),
        ["rand", "::"].concat(),
        ["new", "_v4"].concat(),
        ["now", "_v7"].concat(),
    ];
    let mut found = Vec::new();
    for (path, text) in rust_files().into_iter().filter(|(path, _)| path.starts_with("domain/")) {
        for (line_idx, line) in text.lines().enumerate() {
            for word in banned.iter().filter(|word| line.contains(word.as_str())) {
                found.push(format!("{path}:{}: {word}", line_idx + 1));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}
