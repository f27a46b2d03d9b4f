"""督办: supervision notices (督办通知) with their responses (整改反馈), and the
accountability ladder (问责阶梯) that proposes them from the published boards."""
