// Embedded migrations are read at compile time; rebuild when a migration changes. The
// newest migration's name is the schema version `pulseline --version` prints.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let newest = std::fs::read_dir("migrations")
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .filter_map(|e| e.file_name().into_string().ok())
                .max()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    println!("cargo:rustc-env=PULSELINE_SCHEMA_VERSION={newest}");
}
