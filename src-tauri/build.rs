fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    // Capabilities live beside the shell's code rather than at the top level.
    tauri_build::try_build(tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*"))
        .expect("tauri-build runs");
}
