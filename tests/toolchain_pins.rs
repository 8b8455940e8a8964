//! The build tools pinned in Trunk.toml and package.json agree with the lockfiles, so that trunk
//! never tries to download its own (which fails on machines without internet).

fn read(path: &str) -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn locked_version(lock: &str, krate: &str) -> String {
    let needle = format!("name = \"{krate}\"\nversion = \"");
    let at = lock
        .find(&needle)
        .unwrap_or_else(|| panic!("{krate} not in Cargo.lock"))
        + needle.len();
    lock[at..].split('"').next().unwrap().to_string()
}

#[test]
fn trunk_uses_the_wasm_bindgen_of_the_lockfile() {
    let lock = read("Cargo.lock");
    let trunk = read("Trunk.toml");
    let want = format!(
        "wasm_bindgen = \"{}\"",
        locked_version(&lock, "wasm-bindgen")
    );
    assert!(trunk.contains(&want), "Trunk.toml must pin {want}");
}

#[test]
fn trunk_uses_the_wasm_opt_that_npm_installs() {
    let pkg = read("package.json");
    let trunk = read("Trunk.toml");
    let v = pkg
        .split("\"binaryen\": \"")
        .nth(1)
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_string();
    assert!(
        trunk.contains(&format!("wasm_opt = \"version_{v}\"")),
        "Trunk.toml must pin wasm-opt {v}"
    );
    assert!(trunk.contains("offline = true"));
}
