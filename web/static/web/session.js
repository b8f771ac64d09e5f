// The guided session's helpers, on top of a page that works without them: a timer for a
// timed dose, a tap counter for a counted one. Both keep their state in localStorage under a
// key for the session, activity and bout, so a locked phone, a reload or a closed tab picks up
// where it was. The timer stores when it was started, never a count of ticks: the time shown is
// always now minus that moment (plus what ran before a pause), so seconds lost while the phone
// slept are not lost from the count. While it runs it asks to keep the screen awake (Screen
// Wake Lock API), again each time the page is shown, since the browser lets go of the lock
// when the page is hidden.
(function () {
  "use strict";

  var store = {
    get: function (key) {
      try {
        return JSON.parse(window.localStorage.getItem(key) || "null");
      } catch (error) {
        return null;
      }
    },
    set: function (key, value) {
      try {
        window.localStorage.setItem(key, JSON.stringify(value));
      } catch (error) {
        // Private mode or full storage: the page still works, it only forgets on reload.
      }
    },
    drop: function (key) {
      try {
        window.localStorage.removeItem(key);
      } catch (error) {
        // as above
      }
    },
  };

  var form = document.querySelector("[data-guide-form]");
  var amountInput = form ? form.querySelector("input[name='amount']") : null;
  var lessBox = form ? form.querySelector("[data-did-less]") : null;

  // What the helpers measured goes into "Did less", ready to save; a timer paused short of the
  // plan also opens it (the counter leaves it closed while the taps come).
  function offerLess(amount, planned, open) {
    if (!amountInput) return;
    amountInput.value = String(amount);
    if (open && lessBox && amount < planned) lessBox.open = true;
  }

  if (form) {
    // Enter in the amount box saves that amount, not "Done".
    var lessButton = form.querySelector("[data-less]");
    if (amountInput && lessButton) {
      amountInput.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          form.requestSubmit(lessButton);
        }
      });
    }
  }

  function clock(seconds) {
    var whole = Math.max(0, Math.floor(seconds));
    var minutes = Math.floor(whole / 60);
    var rest = whole % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function setUpTimer(box) {
    var planned = parseInt(box.dataset.seconds, 10);
    var perUnit = box.dataset.unit === "minutes" ? 60 : 1;
    var key = box.dataset.key;
    var face = box.querySelector("[data-face]");
    var status = box.querySelector("[data-status]");
    var toggle = box.querySelector("[data-toggle]");
    var reset = box.querySelector("[data-reset]");
    var modes = box.querySelectorAll("[data-mode]");
    // startedAt: epoch ms while running, else null; before: ms run before the last pause.
    var state = store.get(key) || { startedAt: null, before: 0, mode: "down", ended: false };
    var ticker = null;
    var lock = null;

    function elapsed() {
      var ms = state.before + (state.startedAt ? Date.now() - state.startedAt : 0);
      return ms / 1000;
    }

    function keepAwake() {
      if (!("wakeLock" in navigator) || lock || !state.startedAt) return;
      navigator.wakeLock.request("screen").then(
        function (sentinel) {
          lock = sentinel;
          lock.addEventListener("release", function () {
            lock = null;
          });
        },
        function () {
          // Not allowed here (a policy, low battery): the timer counts all the same.
        }
      );
    }

    function letSleep() {
      if (lock) lock.release();
      lock = null;
    }

    function save() {
      store.set(key, state);
    }

    function render() {
      var seconds = elapsed();
      var running = Boolean(state.startedAt);
      if (state.mode === "down" && running && seconds >= planned) {
        // The time is up: stop at the plan, however long the phone slept past it.
        state.before = planned * 1000;
        state.startedAt = null;
        state.ended = true;
        running = false;
        seconds = planned;
        save();
        letSleep();
        status.textContent = box.dataset.textEnd;
        if (navigator.vibrate) navigator.vibrate(200);
      }
      face.textContent = clock(state.mode === "down" ? planned - seconds : seconds);
      toggle.textContent = running
        ? box.dataset.textPause
        : seconds > 0 && !state.ended
          ? box.dataset.textResume
          : box.dataset.textStart;
      // Once the time is up there is nothing to start: "Start over" is there for another go.
      toggle.hidden = state.ended && state.mode === "down";
      modes.forEach(function (button) {
        button.setAttribute("aria-pressed", String(button.dataset.mode === state.mode));
      });
      if (running && state.mode === "up" && seconds >= planned && !state.announced) {
        state.announced = true;
        save();
        status.textContent = box.dataset.textUp;
      }
      if (running && !ticker) ticker = window.setInterval(render, 250);
      if (!running && ticker) {
        window.clearInterval(ticker);
        ticker = null;
      }
    }

    toggle.addEventListener("click", function () {
      if (state.startedAt) {
        state.before += Date.now() - state.startedAt;
        state.startedAt = null;
        save();
        letSleep();
        status.textContent = box.dataset.textPaused;
        var done = Math.floor(elapsed() / perUnit);
        offerLess(done, Math.floor(planned / perUnit), true);
      } else {
        state.startedAt = Date.now();
        state.ended = false;
        save();
        keepAwake();
        status.textContent = "wakeLock" in navigator ? box.dataset.textAwake : "";
      }
      render();
    });

    reset.addEventListener("click", function () {
      state = { startedAt: null, before: 0, mode: state.mode, ended: false };
      save();
      letSleep();
      status.textContent = "";
      render();
    });

    modes.forEach(function (button) {
      button.addEventListener("click", function () {
        state.mode = button.dataset.mode;
        save();
        render();
      });
    });

    // Back from a locked screen or another app: show the true time, ask for the screen again.
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        render();
        keepAwake();
      }
    });

    if (form) {
      form.addEventListener("submit", function () {
        store.drop(key);
      });
    }
    box.hidden = false;
    render();
    keepAwake();
  }

  function setUpCounter(box) {
    var target = parseInt(box.dataset.target, 10);
    var key = box.dataset.key;
    var output = box.querySelector("[data-count]");
    var status = box.querySelector("[data-status]");
    var count = parseInt(store.get(key) || 0, 10) || 0;

    function show() {
      output.textContent = String(count);
      store.set(key, count);
      status.textContent = count >= target ? box.dataset.textAll : "";
      if (count > 0) offerLess(count, target, false);
    }

    box.querySelector("[data-tap]").addEventListener("click", function () {
      count += 1;
      show();
    });
    box.querySelector("[data-undo]").addEventListener("click", function () {
      count = Math.max(0, count - 1);
      show();
    });
    if (form) {
      form.addEventListener("submit", function () {
        store.drop(key);
      });
    }
    box.hidden = false;
    output.textContent = String(count);
    if (count > 0) offerLess(count, target, false);
  }

  document.querySelectorAll("[data-timer]").forEach(setUpTimer);
  document.querySelectorAll("[data-counter]").forEach(setUpCounter);
})();
