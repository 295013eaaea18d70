//! Running a query so that Ctrl-C cancels it and a spinner shows the time
//! it takes, on a terminal.

use segql::{Diagnostic, codes};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub async fn cancellable<T: Send + 'static>(
    interactive: bool,
    work: impl Future<Output = Result<T, Diagnostic>> + Send + 'static,
) -> Result<Result<T, Diagnostic>, Cancelled> {
    let mut task = tokio::spawn(work);
    let joined = if interactive {
        let started = Instant::now();
        let mut spinner: Option<indicatif::ProgressBar> = None;
        let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
        let mut spinner_due = std::pin::pin!(tokio::time::sleep(Duration::from_secs(1)));
        let joined = loop {
            tokio::select! {
                // Listening first: the first poll installs the handler,
                // so Ctrl-C cannot end the process from then on.
                biased;
                _ = &mut ctrl_c => {
                    task.abort();
                    break None;
                }
                joined = &mut task => break Some(joined),
                () = &mut spinner_due, if spinner.is_none() => {
                    spinner = Some(start_spinner(started));
                }
            }
        };
        if let Some(spinner) = spinner {
            // Stop the ticking thread first, so that it cannot draw the
            // line again after it is cleared.
            spinner.disable_steady_tick();
            spinner.finish_and_clear();
        }
        joined.ok_or(Cancelled)?
    } else {
        task.await
    };
    Ok(joined.unwrap_or_else(|e| {
        Err(Diagnostic::error(
            codes::INTERNAL,
            format!("the query stopped unexpectedly: {e}"),
        ))
    }))
}

/// Ctrl-C stopped the work.
pub struct Cancelled;

pub fn report_cancelled() {
    // The terminal's echo of Ctrl-C can leave the cursor on the spinner's
    // line: clear that line before saying so.
    if std::io::stderr().is_terminal() {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), b"\r\x1b[2K");
    }
    note!("cancelled");
}

fn start_spinner(started: Instant) -> indicatif::ProgressBar {
    let spinner = indicatif::ProgressBar::new_spinner().with_elapsed(started.elapsed());
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} running… {elapsed} (Ctrl-C cancels)")
    {
        spinner.set_style(style);
    }
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}
