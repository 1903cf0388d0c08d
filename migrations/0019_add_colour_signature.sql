-- 0019: each image's colour signature (the mean colour of its four quarters,
-- 5 bits a channel, as an integer): near-duplicates must agree on it as well
-- as on the perceptual hash, which cannot tell plain pictures of different
-- colours apart. NULL until computed (`lw import`, or `lw duplicates`).
ALTER TABLE image ADD COLUMN colour_signature INTEGER;
