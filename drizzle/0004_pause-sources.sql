ALTER TABLE `projects` ADD `inaccessible` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `source_connections` ADD `paused_at` integer;