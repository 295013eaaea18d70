//! The `segql` command line.

mod cli;

use std::process::ExitCode;

/// The stack of the thread that parses, plans and drives queries, and of
/// the runtime's workers. DataFusion walks plans recursively, and a segment
/// of many conditions is a deep plan: the default 8 MiB (2 MiB for workers)
/// overflows at about 70 `and`s in a debug build. Only the pages a query
/// touches are ever used.
pub const STACK_BYTES: usize = 512 << 20;

fn main() -> ExitCode {
    // A panic is a bug, or a library giving up on corrupt data inside a
    // query task (which DataFusion turns into an error that segql reports
    // with the file's name): either way the user gets a diagnostic, never
    // panic text or a backtrace, whatever RUST_BACKTRACE says.
    std::panic::set_hook(Box::new(|_| {}));
    match std::thread::Builder::new()
        .name("segql".into())
        .stack_size(STACK_BYTES)
        .spawn(cli::main)
    {
        Ok(thread) => thread.join().unwrap_or_else(|payload| {
            cli::internal_error(&panic_message(payload.as_ref()));
            ExitCode::from(1)
        }),
        // No thread (a process limit): run here, with the default stack.
        Err(_) => cli::main(),
    }
}

/// The text a panic was raised with.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "an unknown failure".to_string()
    }
}
