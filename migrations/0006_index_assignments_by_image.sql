-- 0006: an index of every assignment by image, in creation order.
--
-- `lw train` and `lw predictions import` read each human-labeled image's first
-- assignment (its reason says whether the image was picked at random, and so
-- whether it may validate a model). Without this index that lookup scanned the
-- whole assignment table once per image: quadratic, minutes at 50,000 images.
CREATE INDEX assignment_by_image ON assignment(image_id, id);
