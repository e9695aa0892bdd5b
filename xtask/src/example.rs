//! `own-model`: the README's "Using your own model" files are a crate
//! (`examples/own-model`, its own workspace, edition 2024): built and run here, and
//! the README's code blocks are those files (a test below fails when they differ).

use std::process::Command;

/// The example crate, from the workspace root.
const DIR: &str = "examples/own-model";

/// The files the README shows, each starting with a comment naming it.
const FILES: [&str; 3] = ["Cargo.toml", "build.rs", "src/main.rs"];

/// `cargo xtask own-model`: clippy, then build and run the example (its own target
/// folder under `target/`).
pub fn own_model() -> Result<(), String> {
    crate::step("own-model: the README's build.rs and main.rs, built and run (examples/own-model)");
    let dir = crate::root().join(DIR);
    let target = crate::root().join("target").join("own-model");
    let cargo = |args: &[&str]| -> Result<(), String> {
        crate::run_as_set(
            Command::new(crate::cargo())
                .args(args)
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", &target),
        )
    };
    check_readme()?;
    cargo(&["fmt", "--", "--check"])?;
    cargo(&["clippy", "--release", "--", "-D", "warnings"])?;
    cargo(&["run", "--release"])
}

/// The README's fenced code blocks whose first line names a file of the example
/// (`// examples/own-model/build.rs`, `# examples/own-model/Cargo.toml`), as (file,
/// block text).
fn readme_blocks(readme: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(l) = lines.next() {
        if !l.starts_with("```") || l.len() == 3 {
            continue;
        }
        let mut block = String::new();
        for b in lines.by_ref() {
            if b == "```" {
                break;
            }
            block.push_str(b);
            block.push('\n');
        }
        let first = block.lines().next().unwrap_or("");
        let name = first
            .trim_start_matches("//")
            .trim_start_matches('#')
            .trim();
        if let Some(file) = name.strip_prefix(&format!("{DIR}/")) {
            out.push((file.to_string(), block));
        }
    }
    out
}

/// `Err` unless the README shows each of [`FILES`], in that order, exactly as it is.
fn check_readme() -> Result<(), String> {
    let root = crate::root();
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
    };
    let blocks = readme_blocks(&read(&root.join("README.md"))?);
    let shown: Vec<&str> = blocks.iter().map(|b| b.0.as_str()).collect();
    if shown != FILES {
        return Err(format!(
            "README.md shows the example files {shown:?}; it should show {FILES:?}, in that order"
        ));
    }
    for (file, block) in &blocks {
        if *block != read(&root.join(DIR).join(file))? {
            return Err(format!(
                "README.md's block for {DIR}/{file} differs from the file: copy the file into the README"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_shows_exactly_the_example_files() {
        check_readme().unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn blocks_are_found_by_their_first_line() {
        let md = "```rust\n// examples/own-model/build.rs\nfn main() {}\n```\n\n```\nplain\n```\n\
                  ```toml\n# examples/own-model/Cargo.toml\n[package]\n```\n";
        let b = readme_blocks(md);
        assert_eq!(b.len(), 2);
        assert_eq!(
            b[0],
            (
                "build.rs".into(),
                "// examples/own-model/build.rs\nfn main() {}\n".into()
            )
        );
        assert_eq!(b[1].0, "Cargo.toml");
    }
}
