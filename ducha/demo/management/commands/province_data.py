from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ducha.demo.management.commands.demo import refuse_a_real_database
from ducha.demo.province import TASKS
from ducha.demo.province_seeding import NotEmpty, seed_province


def _scale(text: str) -> float:
    value = float(text)
    if not 0 < value <= 4:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "生成省级规模测试数据（1 个省、16 个市、约 130 个县市区，各有单位、领导、台账和"
        "2021 年各月进展；共 4.5 万项任务、约 17 万个节点）；只写入空数据库，生产环境拒绝运行"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2021, help="随机种子，默认 2021")
        parser.add_argument(
            "--scale",
            type=_scale,
            default=1.0,
            help=f"规模（0 到 4 之间的比例），默认 1 即 {TASKS} 项任务；测试可用 0.01",
        )

    def handle(self, *args, **options):
        refuse_a_real_database()
        call_command("migrate", interactive=False, verbosity=0)
        try:
            written = seed_province(options["seed"], options["scale"])
        except NotEmpty as e:
            raise CommandError(str(e)) from None
        levels = written.jurisdictions
        self.stdout.write(
            f"省级数据集（种子 {options['seed']}，规模 {options['scale']:g}）："
            f"{levels.get('province', 0)} 个省、{levels.get('city', 0)} 个市、"
            f"{levels.get('county', 0)} 个县市区"
        )
        self.stdout.write(
            f"  {written.tasks} 项任务，{written.nodes} 个节点，"
            f"{written.progress} 条2021年月度进展，"
            f"{written.units} 个单位，{written.leaders} 位领导"
        )
        self.stdout.write(f"  用时 {written.seconds:.1f} 秒")
