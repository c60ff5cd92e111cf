# kefu: one entry point for people and CI alike. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(PY) -m pip --disable-pip-version-check
KEFU    := $(VENV)/bin/kefu
RASA    := $(VENV)/bin/rasa
STAMP   := $(VENV)/.installed
PYTEST  := $(PY) -m pytest
# Every file of sentences a buyer can read. Answers built from shop/*.yml data (product
# names, coupon texts) are rendered for the whole sample shop and guarded in tests/shop.
CUSTOMER_TEXTS := domain.yml kefu/shop/replies.yml kefu/handoff/replies.yml kefu/guard/replies.yml shop/phrases.yml kefu/edge/replies.yml
# Quiet TensorFlow's start-up chatter; keep Rasa's own telemetry off.
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install shop train run shell test test-unit heldout test-data test-nlu test-stories test-live test-attacks test-scale scale engines profile lint bench lock browser clean

help: ## Show this list
	@echo "kefu: two commands are all you need:  make run   |   make test"
	@echo
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

install: $(STAMP) ## Create .venv with the pinned dependencies (only when missing or changed)

$(STAMP): requirements.txt constraints.txt pyproject.toml scripts/find-python310
	@python310=$$(scripts/find-python310) || exit 1; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	    echo "Creating $(VENV) with $$python310"; rm -rf $(VENV); "$$python310" -m venv $(VENV) || exit 1; \
	  fi
	$(PIP) install --quiet --upgrade "pip<25"
	$(PIP) install --quiet -r requirements.txt -c constraints.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $@

shop: install ## Load shop/*.yml (config, catalog, orders) into SQLite when they changed
	$(KEFU) load-shop

train: install ## Train the Rasa model when data/, config.yml or domain.yml changed (never otherwise)
	$(KEFU) train-if-needed

run: install shop train ## Start the whole assistant (Rasa, actions, console, web chat)
	$(KEFU) up

shell: install shop train ## Chat with the assistant in this terminal (starts it when it is not running)
	$(KEFU) chat

test: install shop train test-unit test-data test-nlu test-stories test-live test-scale ## Everything: unit, data, NLU, stories, replay, browser, attacks, scale-out
	@echo "make test: all checks passed"

test-unit: install ## pytest: library, actions, servers, guard quality (no trained model needed)
	$(PYTEST) -m "not live and not browser and not scale and not heldout and not attack" tests

test-data: install ## rasa data validate, and the guard lint over every customer-facing text
	$(RASA) data validate --fail-on-warnings --quiet
	$(KEFU) lint --all-platforms $(CUSTOMER_TEXTS)

test-nlu: install train ## Score intents on the held-out test set; fail below macro-F1 0.90
	$(KEFU) nlu-report --min-macro-f1 0.90 --baseline

test-stories: install train ## Replay Rasa test stories end to end (NLU on the user text + dialogue); fail on any error
	$(RASA) test core --stories tests/stories --e2e --fail-on-prediction-errors --out results/stories --no-plot

test-live: install shop train browser ## Start the stack once; kefu replay, headless-browser tests and the attack suite
	$(PYTEST) -m "(live or browser or attack) and not heldout" tests

test-attacks: install shop train ## The attack suite (issue 18) alone on the live stack (make test-live runs it too): prints attempts and bypasses per attack
	$(PYTEST) -m attack tests/attacks -p no:cacheprovider

test-scale: install shop train engines ## Real PostgreSQL + Redis + nginx: stores on PostgreSQL, two Rasa replicas
	$(PYTEST) -m scale tests

heldout: install train ## Score the held-out buyer turns (tests/conversations/heldout, never used for building): README's headline
	$(PYTEST) -m heldout tests/heldout -q -s -p no:cacheprovider
	@cat results/heldout.txt

REPLICAS ?= 2
scale: install shop train engines ## Start REPLICAS (default 2) Rasa replicas behind nginx on PostgreSQL + Redis
	$(KEFU) scale --replicas $(REPLICAS) --web

engines: ## Install Debian's PostgreSQL, Redis and nginx when missing (make scale, make test-scale)
	@{ ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1 && \
	   { command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; }; } || { \
	  echo "Installing postgresql, redis-server and nginx-light (scale-out)"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server nginx-light >/dev/null; }

browser: ## Install Debian's chromium, chromedriver and a CJK font when missing (browser tests)
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; } || { \
	  echo "Installing chromium and a Chinese font for the browser tests"; \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq && \
	  $$( [ "$$(id -u)" = 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; }

lint: install ## kefu lint over every customer-facing text, for every platform (exit 1 on any violation)
	$(KEFU) lint --all-platforms $(CUSTOMER_TEXTS)

bench: install shop train engines ## Guard speed and ticket-sync cost vs. baselines; stack speed vs. a bare `rasa init` bot (1/10/50 conversations, 1 and 2 replicas, turn 1-300 and events loaded per turn, start-up, CPU per turn per process, a Rasa restart under 10 conversations, profile), as ratios
	$(PY) -m kefu.guard.bench
	$(PY) -m kefu_rasa.sync_bench
	$(PY) -m kefu_rasa.bench_stack

profile: install shop train ## Where one kefu turn's time goes (cProfile of the Rasa process under 10 conversations)
	$(PY) -m kefu_rasa.bench_stack --profile-only

lock: ## Re-resolve constraints.txt from requirements.txt in a scratch venv
	@python310=$$(scripts/find-python310) || exit 1; tmp=$$(mktemp -d); \
	  "$$python310" -m venv $$tmp/venv && $$tmp/venv/bin/pip install --quiet -r requirements.txt && \
	  { echo "# Generated by 'make lock' from requirements.txt on Python 3.10. Do not edit by hand."; \
	    $$tmp/venv/bin/pip freeze --exclude-editable; } > constraints.txt; rm -rf $$tmp

clean: ## Remove generated state (.kefu/, models/, results/); keeps .venv
	rm -rf .kefu models results .pytest_cache
