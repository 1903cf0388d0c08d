-- 0017: each image's 64-bit perceptual hash (DCT of the picture in grey at
-- 32×32; a signed 64-bit integer), computed by `lw import` — or by
-- `lw duplicates` for images imported before — to find near-duplicates:
-- resized, re-encoded or slightly cropped copies, which SHA-256 (exact
-- duplicates) cannot see. NULL until computed.
ALTER TABLE image ADD COLUMN perceptual_hash INTEGER;
