//! Writes the OpenAPI document the docs function serves (functions/docs/openapi.json):
//! `make openapi` after changing a route's attributes or types (a test says when it is due).

fn main() -> std::process::ExitCode {
    let path = hearken_local::openapi::CHECKED_IN;
    match std::fs::write(path, hearken_local::openapi::document_json()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write {path}: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
