-- 0015: the largest image lw imports, in megapixels (width × height / 10^6),
-- checked on the header before any pixel is decoded: a decompression bomb
-- (a small file that claims 30000×30000 pixels) is recorded in import_error
-- instead of being accepted and failing later in `lw serve` or `lw train`.
ALTER TABLE job ADD COLUMN max_megapixels INTEGER NOT NULL DEFAULT 100 CHECK (max_megapixels >= 1);
