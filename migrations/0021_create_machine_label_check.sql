-- 0021: the machine labels the team checked. Random picks walk every image
-- without a human label, machine-labeled ones included, so some machine labels
-- also get a consensus: per label of the machine, how many, and how many the
-- team agrees with (an audit by people who never saw the model; `lw status`
-- sums them).
CREATE VIEW machine_label_check AS
SELECT l.name AS machine_label, l.class_index, count(c.image_id) AS checked,
       coalesce(sum(m.label_id = c.label_id), 0) AS team_agrees
FROM label AS l
JOIN machine_label AS m ON m.label_id = l.id
JOIN consensus AS c ON c.image_id = m.image_id
GROUP BY l.id
ORDER BY l.class_index;
