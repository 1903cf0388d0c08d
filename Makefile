# lw — the label workbench. `make test` is what CI runs.
PREFIX ?= /usr/local
SWIFT ?= swift

.PHONY: build release test install bench demo clean

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

test:
	$(SWIFT) test

install: release
	install -d $(PREFIX)/bin
	install -m 0755 .build/release/lw $(PREFIX)/bin/lw

bench: release
	bench/run_all.sh

demo: release
	.build/release/lw-demo /tmp/lw-demo

clean:
	rm -rf .build
