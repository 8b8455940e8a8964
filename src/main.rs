//! The browser entry point (trunk builds this binary to wasm).

fn main() {
    pamela_explorer::start();
}
