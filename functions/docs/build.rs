//! Takes from the vendored Swagger UI archive only the files its page loads (about 1.8 MB of the
//! archive's 11 MB: no source maps, no ES bundles), so the binary carries nothing it never serves.

use std::io::Read;
use std::path::PathBuf;

/// What `index.html` loads; `swagger-initializer.js` is ours (swagger/), with the UI's settings.
const SERVED: &[&str] = &[
    "index.html",
    "index.css",
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
];

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let archive = std::io::Cursor::new(utoipa_swagger_ui_vendored::SWAGGER_UI_VENDORED);
    let mut zip = zip::ZipArchive::new(archive).expect("the vendored Swagger UI archive opens");
    let top =
        zip.name_for_index(0).and_then(|name| name.split('/').next()).expect("the archive has a top folder").to_owned();
    for file in SERVED {
        let mut entry =
            zip.by_name(&format!("{top}/dist/{file}")).unwrap_or_else(|_| panic!("Swagger UI has dist/{file}"));
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("the archive's file reads");
        std::fs::write(out.join(file), bytes).expect("OUT_DIR is writable");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
