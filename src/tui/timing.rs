//! The UI's own timings at a given number of processes (a synthetic snapshot,
//! [`super::sample::large`], drawn into ratatui's `TestBackend`): one measurement that both the
//! test `tui::five_thousand_processes_timing` (which asserts that every step landed) and
//! `nsview-bench ui-steps` (which prints the numbers from a release build) run.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{Action, App, NodeKey, View};
use super::{sample, view};

/// What one measurement did and how long each step took.
#[derive(Clone, Debug)]
pub struct UiTimings {
    pub processes: usize,
    pub namespaces: usize,
    /// Rows visible after opening the host's namespaces in every view.
    pub rows: usize,
    /// `apply_scan` of the first scan (diff, index, rows).
    pub apply_scan: Duration,
    pub first_render: Duration,
    /// 100 steps (90 down, 10 page down), each followed by a render.
    pub scroll: Duration,
    /// The cursor before and after the 100 steps.
    pub cursor: (usize, usize),
    /// The first filter keystroke (`7`) plus a render.
    pub filter: Duration,
    /// Whether the filter took, the rows visible under it, and how many of them match it.
    pub filter_active: bool,
    pub filtered_rows: usize,
    pub matching: usize,
    /// The same scan applied again with the filter active.
    pub rescan: Duration,
    /// Rows and selection before and after that rescan (they should not change).
    pub rows_after_rescan: usize,
    pub selected: (Option<NodeKey>, Option<NodeKey>),
    /// CPU time this thread spent in the five timed steps together (None if unreadable): on a
    /// loaded machine the wall-clock figures include waiting for a core, this does not.
    pub steps_cpu: Option<Duration>,
}

/// CPU time consumed by the calling thread so far.
fn thread_cpu() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `ts`.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| {
        Duration::new(
            u64::try_from(ts.tv_sec).unwrap_or(0),
            u32::try_from(ts.tv_nsec).unwrap_or(0),
        )
    })
}

impl UiTimings {
    /// One line for a terminal, in milliseconds.
    pub fn summary(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let wall = self.apply_scan + self.first_render + self.scroll + self.filter + self.rescan;
        let cpu = self
            .steps_cpu
            .map(|cpu| format!("; the five: {:.1} ms wall, {:.1} ms CPU", ms(wall), ms(cpu)))
            .unwrap_or_default();
        format!(
            "{} processes, {} namespaces, {} visible rows: apply scan {:.1} ms, first render \
             {:.1} ms, 100 scroll steps with render {:.1} ms ({:.2} ms/step), filter keystroke + \
             render {:.1} ms, re-apply scan with filter {:.1} ms{cpu}",
            self.processes,
            self.namespaces,
            self.rows,
            ms(self.apply_scan),
            ms(self.first_render),
            ms(self.scroll),
            ms(self.scroll) / 100.0,
            ms(self.filter),
            ms(self.rescan)
        )
    }
}

/// Builds an app on `processes` synthetic processes, opens the host's namespaces in every view
/// (thousands of rows), and times: applying the scan, the first render at 160x48, 100 scroll
/// steps with a render after each, a filter keystroke with its render, and re-applying the
/// same scan under the filter.
pub fn measure(processes: usize) -> UiTimings {
    let snapshot = sample::large(processes);
    let namespaces = snapshot.namespaces.len();
    let mut app = App::new(true);
    let cpu_before = thread_cpu();
    let started = Instant::now();
    app.apply_scan(snapshot.clone(), None);
    let apply_scan = started.elapsed();
    let cpu_apply = thread_cpu();
    let mut terminal = match Terminal::new(TestBackend::new(160, 48)) {
        Ok(terminal) => terminal,
        Err(never) => match never {},
    };
    let mut draw = |app: &mut App| {
        // TestBackend's errors are Infallible.
        let _ = terminal.draw(|frame| view::draw(app, frame));
    };
    // Open the host's namespaces so thousands of rows are visible in each view.
    for view in View::ALL {
        app.update(Action::SelectView(view));
        draw(&mut app);
        for _ in 0..4 {
            app.update(Action::Down);
            app.update(Action::Expand);
        }
    }
    app.update(Action::SelectView(View::Type));
    let rows = app.rows().len();
    let cpu_rest = thread_cpu();
    let started = Instant::now();
    draw(&mut app);
    let first_render = started.elapsed();
    let before_scroll = app.cursor();
    let started = Instant::now();
    for step in 0..100 {
        app.update(if step % 10 == 9 {
            Action::PageDown
        } else {
            Action::Down
        });
        draw(&mut app);
    }
    let scroll = started.elapsed();
    let cursor = (before_scroll, app.cursor());
    let started = Instant::now();
    app.update(Action::StartFilter);
    app.update(Action::FilterInput('7'));
    draw(&mut app);
    let filter = started.elapsed();
    let cpu_filtered = thread_cpu();
    let filter_active = app.filter_active();
    let filtered_rows = app.rows().len();
    let matching = app
        .rows()
        .iter()
        .filter(|r| app.filter_matches(r.key))
        .count();
    let selected_before = app.selected();
    let cpu_counting = thread_cpu();
    let started = Instant::now();
    app.apply_scan(snapshot, None);
    let rescan = started.elapsed();
    let cpu_end = thread_cpu();
    // The timed steps only: not the untimed opening of the groups, nor counting the matches.
    let steps_cpu = (|| {
        let apply = cpu_apply?.checked_sub(cpu_before?)?;
        let middle = cpu_filtered?.checked_sub(cpu_rest?)?;
        let rescan = cpu_end?.checked_sub(cpu_counting?)?;
        Some(apply + middle + rescan)
    })();
    UiTimings {
        processes,
        namespaces,
        rows,
        apply_scan,
        first_render,
        scroll,
        cursor,
        filter,
        filter_active,
        filtered_rows,
        matching,
        rescan,
        rows_after_rescan: app.rows().len(),
        selected: (selected_before, app.selected()),
        steps_cpu,
    }
}
