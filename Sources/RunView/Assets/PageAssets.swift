/// The page of `lema ui`, embedded in the binary: no build step, no CDN, works with no network. The script is kept
/// in several files by topic (`PageScript*.swift`) and served as one. Every value from the store reaches the page
/// as JSON and is put into the document with `textContent` or drawn on a canvas — never parsed as markup.
enum PageAssets {
    /// An inline SVG favicon (a missing one makes the browser log an error on every load).
    static let faviconDataURI =
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' "
        + "height='16' rx='3' fill='%232b6cb0'/%3E%3Cpath d='M4 3v10h8' stroke='white' stroke-width='2' "
        + "fill='none'/%3E%3C/svg%3E"

    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" \
        fill="#2b6cb0"/><path d="M4 3v10h8" stroke="white" stroke-width="2" fill="none"/></svg>
        """

    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>lema ui</title>
        <link rel="icon" href="\(faviconDataURI)">
        <link rel="stylesheet" href="/app.css">
        </head>
        <body>
        <header>
          <strong id="pipeline">lema</strong>
          <span id="counts"></span>
          <span id="owner" class="owner"></span>
          <span id="connection" class="connection"></span>
        </header>
        <nav id="tabs">
          <button data-view="graph" class="active">Graph</button>
          <button data-view="timeline">Timeline</button>
          <button data-view="sweep">Sweep</button>
          <button data-view="curves">Curves</button>
          <button data-view="items">Items &amp; logs</button>
          <button data-view="cost">Cost &amp; cluster</button>
          <label class="toggle"><input type="checkbox" id="collapse"> collapse variants</label>
        </nav>
        <div id="body">
        <main>
          <section id="view-graph" class="view active"><div class="scroll" id="graph-scroll"><div class="spacer"></div>\
        <canvas id="graph-canvas"></canvas></div></section>
          <section id="view-timeline" class="view"><div class="scroll" id="timeline-scroll"><div class="spacer"></div>\
        <canvas id="timeline-canvas"></canvas></div></section>
          <section id="view-sweep" class="view"><table id="sweep-table"></table><table id="sweep-baseline"></table></section>
          <section id="view-curves" class="view"><canvas id="curves-canvas"></canvas><div id="curves-legend"></div></section>
          <section id="view-items" class="view"><div class="split"><div class="tablebox"><table id="items-table"></table>\
        </div><div><div class="loghead"><span id="log-title">log</span> <button id="log-all">all nodes</button></div>\
        <div id="log" class="log"></div></div></div></section>
          <section id="view-cost" class="view"><h3>Model endpoints</h3><table id="cost-table"></table>\
        <h3>Cluster jobs</h3><table id="jobs-table"></table></section>
        </main>
        <aside id="panel"><p class="hint">Select a node.</p></aside>
        </div>
        <script src="/app.js"></script>
        </body>
        </html>
        """

    static let style = """
        * { box-sizing: border-box; }
        body { margin: 0; font: 13px/1.4 system-ui, sans-serif; color: #1a202c; background: #f7fafc; height: 100vh;
               display: flex; flex-direction: column; }
        header { display: flex; gap: 16px; align-items: baseline; padding: 8px 12px; background: #2d3748; color: #fff; }
        header .owner.dead { color: #feb2b2; font-weight: bold; }
        header .owner.alive { color: #9ae6b4; }
        header .connection { margin-left: auto; opacity: .8; }
        nav { display: flex; gap: 4px; padding: 6px 12px; border-bottom: 1px solid #cbd5e0; background: #edf2f7; }
        nav button { border: 1px solid #a0aec0; background: #fff; padding: 3px 10px; border-radius: 4px; cursor: pointer; }
        nav button.active { background: #2b6cb0; color: #fff; border-color: #2b6cb0; }
        nav .toggle { margin-left: auto; }
        #body { flex: 1; display: flex; min-height: 0; }
        main { flex: 1; min-width: 0; position: relative; }
        .view { display: none; position: absolute; inset: 0; overflow: auto; padding: 8px; }
        .view.active { display: block; }
        .scroll { position: absolute; inset: 0; overflow: auto; }
        .scroll canvas { position: sticky; top: 0; left: 0; display: block; }
        .spacer { position: absolute; top: 0; left: 0; width: 1px; height: 1px; pointer-events: none; }
        #curves-canvas { width: 100%; height: 70%; background: #fff; border: 1px solid #cbd5e0; }
        aside { width: 380px; border-left: 1px solid #cbd5e0; overflow: auto; padding: 8px 12px; background: #fff; }
        aside h2 { font-size: 15px; margin: 4px 0 8px; word-break: break-all; }
        aside h3, .view h3 { font-size: 13px; margin: 12px 0 4px; }
        pre, .log { font: 12px/1.35 ui-monospace, monospace; white-space: pre-wrap; word-break: break-word;
                    background: #f1f5f9; padding: 6px; margin: 0; }
        .log { height: calc(100vh - 150px); overflow: auto; }
        table { border-collapse: collapse; font-size: 12px; }
        #sweep-baseline { margin-top: 16px; }
        #sweep-baseline caption { text-align: left; font-weight: 600; padding-bottom: 4px; }
        th, td { border-bottom: 1px solid #e2e8f0; padding: 2px 8px; text-align: left; vertical-align: top; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        .split { display: flex; gap: 12px; } .split > div { flex: 1; min-width: 0; }
        .tablebox { max-height: calc(100vh - 130px); overflow: auto; }
        .hint { color: #718096; }
        .provisional { color: #b7791f; }
        tr.clickable { cursor: pointer; } tr.clickable:hover { background: #ebf8ff; }
        .legend-item { display: inline-block; margin-right: 12px; }
        .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
        """

    /// The whole script, in load order.
    static var script: String { [PageScript.core, PageScript.graph, PageScript.timeline, PageScript.tables].joined(separator: "\n") }
}
