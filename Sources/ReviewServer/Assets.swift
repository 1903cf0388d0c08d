import Hummingbird

/// The page's stylesheet and scripts, served by lw itself (nothing from a CDN).
enum Assets {
    static func register(on router: Router<BasicRequestContext>) {
        for (name, type, text) in [("style.css", "text/css; charset=utf-8", stylesheet),
                                   ("review.js", "text/javascript; charset=utf-8", reviewScript),
                                   ("status.js", "text/javascript; charset=utf-8", statusScript)] {
            router.get("assets/\(name)") { _, _ in
                Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                         body: .init(byteBuffer: ByteBuffer(string: text)))
            }
        }
    }

    static let stylesheet = """
        :root { color-scheme: light dark; --accent: #2563eb; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.4 system-ui, sans-serif; display: flex; flex-direction: column; min-height: 100vh; }
        header { display: flex; justify-content: space-between; padding: .5rem 1rem; border-bottom: 1px solid #8884; }
        main { flex: 1; display: flex; flex-direction: column; align-items: center; padding: .5rem; }
        figure { margin: 0; flex: 1; display: flex; flex-direction: column; align-items: center; justify-content: center; width: 100%; }
        #image { max-width: 100%; max-height: calc(100vh - 11rem); object-fit: contain; background: #8882; }
        #image[hidden] { display: none; }
        figcaption { font-size: .8rem; opacity: .7; margin-top: .25rem; word-break: break-all; }
        #message { min-height: 1.4em; margin: .25rem; }
        #message.error { color: #dc2626; }
        nav { display: flex; flex-wrap: wrap; gap: .5rem; justify-content: center; padding: .5rem; }
        button { font: inherit; padding: .6rem 1rem; border-radius: .4rem; border: 1px solid #8886; background: transparent; cursor: pointer; }
        button.label { border-color: var(--accent); }
        button:disabled { opacity: .4; cursor: default; }
        kbd { font-size: .75rem; border: 1px solid #8888; border-radius: .2rem; padding: 0 .3rem; margin-right: .4rem; }
        .notice { justify-content: center; text-align: center; }
        table { border-collapse: collapse; margin: .5rem 0 1rem; }
        th, td { padding: .25rem .75rem; border-bottom: 1px solid #8884; text-align: right; }
        th:first-child, td:first-child { text-align: left; }
        .counters { display: flex; gap: 1.5rem; flex-wrap: wrap; }
        .counters div { display: flex; flex-direction: column; align-items: center; }
        .counters .value { font-size: 1.8rem; font-weight: 600; }
        .note { font-size: .8rem; opacity: .7; max-width: 50rem; }
        .desk { flex: 1; display: flex; gap: 1rem; width: 100%; align-items: stretch; }
        #guide { flex: 0 0 16rem; max-height: calc(100vh - 11rem); overflow-y: auto; font-size: .9rem; }
        #guide h2 { font-size: 1rem; margin: .25rem 0; }
        .instructions { white-space: pre-wrap; margin: 0 0 .75rem; }
        .reference { margin: 0 0 .5rem; display: block; }
        .reference img { max-width: 100%; max-height: 10rem; background: #8882; }
        @media (max-width: 40rem) { .desk { flex-direction: column; } #guide { flex-basis: auto; } }
        """

    /// The worker page: one image at a time; 1-9 or a label's letter answers,
    /// s skips, u undoes. Each action's response carries the next state, and
    /// the image after the current one is preloaded.
    static let reviewScript = """
        "use strict";
        (() => {
          const base = document.body.dataset.base;
          const keys = JSON.parse(document.body.dataset.keys);
          const image = document.getElementById("image");
          const source = document.getElementById("source");
          const message = document.getElementById("message");
          const progress = document.getElementById("progress");
          const buttons = Array.from(document.querySelectorAll("nav button"));
          const undoButton = document.getElementById("undo");
          let current = null, shownAt = 0, busy = false, preloaded = null;

          function say(text, isError) {
            message.textContent = text || "";
            message.className = isError ? "error" : "";
          }

          function render(state) {
            const p = state.progress;
            progress.textContent = `${p.done} of ${p.done + p.open} done, ${p.open} remaining`;
            current = state.items[0] || null;
            for (const b of buttons) b.disabled = b === undoButton ? !state.can_undo : current === null;
            if (current === null) {
              image.hidden = true;
              image.removeAttribute("src");
              source.textContent = "";
              say("Your queue is empty: nothing left to review. Thank you! New images appear here after the owner assigns more (reload).");
              return;
            }
            image.hidden = false;
            image.src = current.image;
            image.alt = current.name;
            source.textContent = current.name;
            shownAt = performance.now();
            const next = state.items[1];
            if (next) { preloaded = new Image(); preloaded.src = next.image; }
          }

          async function call(path, payload) {
            if (busy) return;
            busy = true;
            try {
              const response = await fetch(base + path, payload === undefined ? { cache: "no-store" } : {
                method: "POST",
                headers: { "Content-Type": "application/json", "X-LW-Request": "1" },
                body: JSON.stringify(payload),
              });
              const data = await response.json();
              say(response.ok ? "" : (data.error || response.statusText), !response.ok);
              if (data.state) render(data.state);
            } catch (error) {
              say(`Not saved: ${error.message}. Check that lw serve is running, then reload.`, true);
            } finally {
              busy = false;
            }
          }

          function answer(label) {
            if (current === null) return;
            const seconds = Math.round((performance.now() - shownAt) / 100) / 10;
            call("/answer", { assignment: current.assignment, label, seconds });
          }
          function skip() { if (current !== null) call("/skip", { assignment: current.assignment }); }
          function undo() { if (!undoButton.disabled) call("/undo", {}); }

          for (const b of buttons) {
            if (b.dataset.label !== undefined) b.addEventListener("click", () => answer(b.dataset.label));
          }
          document.getElementById("skip").addEventListener("click", skip);
          undoButton.addEventListener("click", undo);
          document.addEventListener("keydown", (event) => {
            if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
            const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
            if (keys[key] !== undefined) { event.preventDefault(); answer(keys[key]); }
            else if (key === "s") { event.preventDefault(); skip(); }
            else if (key === "u" || key === "Backspace") { event.preventDefault(); undo(); }
          });
          call("/next");
        })();
        """

    /// The status page reloads its tables every five seconds.
    static let statusScript = """
        "use strict";
        (() => {
          const token = document.body.dataset.token;
          const main = document.getElementById("status");
          setInterval(async () => {
            try {
              const response = await fetch(`/status/tables?token=${encodeURIComponent(token)}`, { cache: "no-store" });
              if (response.ok) main.innerHTML = await response.text();
            } catch (error) { /* the server may be restarting; try again next tick */ }
          }, 5000);
        })();
        """
}
