ALTER TABLE `users` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `users` ADD `lease_started_at` integer;